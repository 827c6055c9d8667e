// A route's reply is held to the schema the OpenAPI document advertises for it, twice: tsc checks what a handler
// returns against its route's response schemas (the @ts-expect-error lines below are replies that would drift, and
// `npm run typecheck` fails if any of them stops being an error), and a server started with validateReplies (as every
// test server is) turns a reply that does not fit into a 500 that says where. Production leaves the check off.
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { Id } from '../../protocol/index.js';
import { buildApp } from '../../server/app.js';
import { defaultConfig } from '../../server/config.js';
import type { HubLog } from '../../server/push/postgres-hub.js';
import { SqliteHub } from '../../server/push/sqlite-hub.js';
import { Router } from '../../server/http/router.js';
import { openStore } from '../../server/store/open.js';
import type { Store } from '../../server/store/types.js';
import { errorText } from './helpers.js';
import { type HttpReply, http, tempDir } from '../support/server.js';

const Named = z.object({
  Response: z.tuple([z.object({ Id: z.object({ id: Id }) }), z.object({ Name: z.object({ name: z.string() }) })]),
});
const Waiting = z.object({ Response: z.tuple([z.object({ Waiting: z.object({ seconds: z.number() }) })]) });

const base = (name: string) => ({
  method: 'GET' as const,
  url: `/test/${name}`,
  operationId: name,
  summary: name,
  auth: 'none' as const,
});

/** Test routes: two replies that fit their schemas, the rest drift from them in one way each. */
function testRoutes(router: Router): void {
  router.route({
    ...base('fits'),
    responses: { 200: Named, 202: Waiting },
    handler: async (_) => ({ Response: [{ Id: { id: 7 } }, { Name: { name: 'seven' } }] }),
  });
  router.route({
    ...base('waits'),
    responses: { 200: Named, 202: Waiting },
    handler: async ({ withStatus }) => withStatus(202, { Response: [{ Waiting: { seconds: 5 } }] }),
  });

  router.route({
    ...base('missing-field'),
    responses: { 200: Named },
    // @ts-expect-error Name has no name
    handler: async (_) => ({ Response: [{ Id: { id: 7 } }, { Name: {} }] }),
  });
  router.route({
    ...base('wrong-type'),
    responses: { 200: Named },
    // @ts-expect-error an id is a number
    handler: async (_) => ({ Response: [{ Id: { id: '7' } }, { Name: { name: 'seven' } }] }),
  });
  router.route({
    ...base('short-tuple'),
    responses: { 200: Named },
    // @ts-expect-error the envelope has two items
    handler: async (_) => ({ Response: [{ Id: { id: 7 } }] }),
  });
  router.route({
    ...base('unlisted-status'),
    responses: { 200: Named, 202: Waiting },
    // @ts-expect-error the route lists no 201
    handler: async ({ withStatus }) => withStatus(201, { Response: [{ Waiting: { seconds: 5 } }] }),
  });
  router.route({
    ...base('body-of-another-status'),
    responses: { 200: Named, 202: Waiting },
    handler: async ({ withStatus }) =>
      // @ts-expect-error a 202 is Waiting, not Named
      withStatus(202, { Response: [{ Id: { id: 7 } }, { Name: { name: 'seven' } }] }),
  });
  router.route({
    ...base('plain-status-object'),
    responses: { 200: Named, 202: Waiting },
    // @ts-expect-error only withStatus makes a reply with another status code
    handler: async (_) => ({ status: 202, body: { Response: [{ Waiting: { seconds: 5 } }] } }),
  });
  router.route({
    ...base('no-200'),
    responses: { 202: Waiting },
    // @ts-expect-error without a 200 in the route, a plain body has no schema
    handler: async (_) => ({ Response: [{ Waiting: { seconds: 5 } }] }),
  });
  router.route({
    ...base('extra-field'),
    responses: { 200: Named },
    // A value built elsewhere may carry more than the schema lists: tsc cannot see it, the run-time check does.
    handler: async (_) => {
      const row = { id: 7, secret: 'not for the wire' };
      return { Response: [{ Id: row }, { Name: { name: 'seven' } }] };
    },
  });
}

interface Served {
  url: string;
  close(): Promise<void>;
}

/**
 * A real app (the protocol's routes on a SQLite store, with its push hub) and the test routes on a router of their
 * own. The router does not depend on the store, so this file runs on SQLite only.
 */
async function serve(validateReplies: boolean): Promise<Served> {
  const dir = await tempDir();
  const store: Store = await openStore(join(dir.path, 'countersign.db'));
  const log: HubLog = { warn: () => {}, error: () => {} };
  const hub = await SqliteHub.start(store, log);
  const config = { ...defaultConfig, totpKey: Buffer.alloc(32, 1) };
  const { app, services } = await buildApp({ config, store, hub, validateReplies });
  testRoutes(new Router(app, services.devices, services.limits.deviceAuth, { validateReplies }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    close: async () => {
      await app.close();
      await hub.close();
      await store.close();
      await dir.remove();
    },
  };
}

const get = (served: Served, name: string): Promise<HttpReply> => http(`${served.url}/test/${name}`);

describe('with validateReplies (test servers)', () => {
  let served: Served;
  beforeAll(async () => {
    served = await serve(true);
  });
  afterAll(async () => served.close());

  it('sends a reply that fits, with its status code', async () => {
    const fits = await get(served, 'fits');
    expect(fits.status, fits.text).toBe(200);
    expect(fits.json).toEqual({ Response: [{ Id: { id: 7 } }, { Name: { name: 'seven' } }] });
    const waits = await get(served, 'waits');
    expect(waits.status, waits.text).toBe(202);
    expect(waits.json).toEqual({ Response: [{ Waiting: { seconds: 5 } }] });
  });

  it('answers 500 with where the reply drifts from its schema', async () => {
    const cases: [string, string][] = [
      ['missing-field', 'Reply of missing-field does not fit its 200 schema: Response.1.Name.name: '],
      ['wrong-type', 'Reply of wrong-type does not fit its 200 schema: Response.0.Id.id: '],
      ['short-tuple', 'Reply of short-tuple does not fit its 200 schema: Response: '],
      ['unlisted-status', 'Reply of unlisted-status does not fit its 201 schema: the route lists no such status code'],
      ['body-of-another-status', 'Reply of body-of-another-status does not fit its 202 schema: Response'],
      ['plain-status-object', 'Reply of plain-status-object does not fit its 200 schema: Response: '],
      ['no-200', 'Reply of no-200 does not fit its 200 schema: the route lists no such status code'],
      ['extra-field', 'Reply of extra-field does not fit its 200 schema: Response.0.Id.secret: not in the schema'],
    ];
    for (const [name, text] of cases) {
      const reply = await get(served, name);
      expect(reply.status, name).toBe(500);
      expect(errorText(reply), name).toContain(text);
    }
  });

  it('checks the routes of the protocol too: the OpenAPI document fits its own schema', async () => {
    const reply = await http(`${served.url}/openapi.json`);
    expect(reply.status, reply.text).toBe(200);
  });
});

describe('without validateReplies (production)', () => {
  let served: Served;
  beforeAll(async () => {
    served = await serve(false);
  });
  afterAll(async () => served.close());

  it('sends what the handler returned, unchecked', async () => {
    const reply = await get(served, 'missing-field');
    expect(reply.status).toBe(200);
    expect(reply.json).toEqual({ Response: [{ Id: { id: 7 } }, { Name: {} }] });
    const extra = await get(served, 'extra-field');
    expect(extra.status).toBe(200);
    expect(extra.json).toEqual({
      Response: [{ Id: { id: 7, secret: 'not for the wire' } }, { Name: { name: 'seven' } }],
    });
  });
});
