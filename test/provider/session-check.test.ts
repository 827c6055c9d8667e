// The provider's session check in a real Fastify app and a real Express app, in front of a real Countersign server
// over loopback: a live token passes (the handler sees the session), an unknown or missing one gets 401 in bunq's
// envelope, and a session that ends or whose key is deactivated stops passing as soon as the signed webhook reaches
// the app, although its answer is cached for a minute. A webhook with a bad signature is refused.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express from 'express';
import Fastify from 'fastify';
import { afterEach, describe, expect, it } from 'vitest';
import { AdminCommands } from '../../server/admin/commands.js';
import { deactivateKey } from '../../server/admin/recovery.js';
import { countersignSessionCheck as expressCheck, webhookHandler } from '../../provider/express.js';
import { countersignSessionCheck as fastifyCheck } from '../../provider/fastify.js';
import { SESSION_REFUSED, SessionChecker } from '../../provider/session-check.js';
import { errorText, eventually, openedAttempt } from '../server/helpers.js';
import { http, startTestServer } from '../support/server.js';
import { newWebhookSecret } from '../support/webhook-receiver.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

/** A loopback HTTP server listening before any app is attached, so its URL can be given to Countersign first. */
async function listening(): Promise<{ server: Server; url: string }> {
  const server = createServer();
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  cleanup.push(() => new Promise((done) => server.close(done)));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}

describe('session check middleware', () => {
  it('Fastify and Express: valid, unknown, ended, deactivated; the webhook invalidates the cache', async () => {
    const secret = newWebhookSecret();
    const fastifyHttp = await listening();
    const expressHttp = await listening();
    const countersign = await startTestServer({
      webhooks: {
        urls: [`${fastifyHttp.url}/countersign/webhooks`, `${expressHttp.url}/countersign/webhooks`],
        secret,
      },
    });
    cleanup.push(() => countersign.close());
    const options = {
      server: countersign.url,
      introspectionSecret: countersign.introspectionSecret,
      webhookSecret: secret,
      // A minute: a session that stops passing sooner was dropped by the webhook, not by the cache running out.
      cacheMs: 60_000,
    };

    const fastify = Fastify({
      serverFactory: (handler) => {
        fastifyHttp.server.on('request', handler);
        return fastifyHttp.server;
      },
    });
    await fastify.register(fastifyCheck, { ...options, webhookPath: '/countersign/webhooks' });
    fastify.get('/v1/me', async (request) => ({ session: request.countersign }));
    await fastify.ready();

    const expressChecker = new SessionChecker(options);
    const app = express();
    app.post('/countersign/webhooks', webhookHandler(expressChecker));
    app.use(expressCheck(expressChecker));
    app.get('/v1/me', (req, res) => {
      res.json({ session: (req as unknown as { countersign: unknown }).countersign });
    });
    expressHttp.server.on('request', app);

    // A checker without webhooks, to show the cache would otherwise keep answering "active".
    const cacheOnly = new SessionChecker({ ...options, webhookSecret: undefined });

    const admin = await AdminCommands.open(countersign.db);
    cleanup.push(() => admin.close());
    await countersign.admin.createUser('alice');
    const closing = await countersign.admin.createKey({
      user: 'alice',
      name: 'a',
      mode: 'ip-only',
      ips: ['127.0.0.1'],
    });
    const deactivating = await countersign.admin.createKey({
      user: 'alice',
      name: 'b',
      mode: 'ip-only',
      ips: ['127.0.0.1'],
    });
    const first = await openedAttempt(countersign, closing.api_key);
    const second = await openedAttempt(countersign, deactivating.api_key);
    const token1 = first.Response[1].Token.token;
    const token2 = second.Response[1].Token.token;

    const me = (base: string, token?: string) =>
      http(`${base}/v1/me`, { headers: token === undefined ? {} : { 'x-bunq-client-authentication': token } });

    for (const base of [fastifyHttp.url, expressHttp.url]) {
      const ok = await me(base, token1);
      expect(ok.status, ok.text).toBe(200);
      expect((ok.json as { session: { session_id: number; credential_id: number } }).session).toMatchObject({
        active: true,
        session_id: first.Response[0].Id.id,
        credential_id: closing.id,
      });
      expect((await me(base, token2)).status).toBe(200);
      for (const token of [undefined, 'cst_not-a-session']) {
        const refused = await me(base, token);
        expect(refused.status).toBe(401);
        expect(errorText(refused)).toBe(SESSION_REFUSED);
      }
    }
    expect((await cacheOnly.check(token1)).ok).toBe(true);

    // The holder ends session 1: session.ended reaches both apps, which drop it at once.
    const ended = await http(`${countersign.url}/v1/session-server/${first.Response[0].Id.id}`, {
      method: 'DELETE',
      headers: { 'x-bunq-client-authentication': token1 },
    });
    expect(ended.status).toBe(200);
    for (const base of [fastifyHttp.url, expressHttp.url]) {
      await eventually(async () => ((await me(base, token1)).status === 401 ? true : undefined));
      expect((await me(base, token2)).status).toBe(200);
    }
    // Without the webhook the cached answer still says active: the invalidation above is the webhook's doing.
    expect((await cacheOnly.check(token1)).ok).toBe(true);

    // The operator deactivates key 2: key.deactivated drops every cached session of the key.
    await deactivateKey(admin, deactivating.id);
    for (const base of [fastifyHttp.url, expressHttp.url]) {
      await eventually(async () => ((await me(base, token2)).status === 401 ? true : undefined));
    }

    // A webhook that does not verify is refused, and changes nothing.
    for (const base of [fastifyHttp.url, expressHttp.url]) {
      const forged = await http(`${base}/countersign/webhooks`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'webhook-id': 'evt_00000000-0000-0000-0000-000000000000',
          'webhook-timestamp': String(Math.floor(Date.now() / 1000)),
          'webhook-signature': 'v1,AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=',
        },
        body: JSON.stringify({
          type: 'key.deactivated',
          timestamp: new Date().toISOString(),
          data: { credential_id: 1 },
        }),
      });
      expect(forged.status).toBe(400);
    }
    await fastify.close();
  });
});
