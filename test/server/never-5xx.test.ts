// Property: whatever a caller sends — any JSON body, any path id, any query — the answer is never a 5xx, and it is
// always bunq's Error envelope when it is an error.
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ErrorEnvelope } from '../../protocol/index.js';
import { http } from '../support/server.js';
import { createKey, type World, world } from './helpers.js';

let w: World;
let apiKey: string;
let credentialId: number;
beforeAll(async () => {
  w = await world();
  const key = await createKey(w, 'push');
  apiKey = key.api_key;
  credentialId = key.id;
});
afterAll(async () => w.close());

function checkReply(reply: { status: number; json: unknown; text: string }) {
  expect(reply.status, reply.text).toBeLessThan(500);
  if (reply.status >= 400) expect(ErrorEnvelope.safeParse(reply.json).success, reply.text).toBe(true);
}

const segment = fc.oneof(fc.string(), fc.nat().map(String), fc.uuid(), fc.constant('-1'), fc.constant('1e3'));

it('survives arbitrary bodies on every POST and PUT', async () => {
  const routes = () => [
    ['POST', '/v1/session-server'],
    ['POST', '/v1/session-server/introspect'],
    ['POST', '/v1/approver-device'],
    ['POST', `/v1/user/${w.user.id}/credential-password-ip`],
    ['PUT', `/v1/user/${w.user.id}/credential-password-ip/${credentialId}`],
    ['POST', `/v1/user/${w.user.id}/credential-password-ip/${credentialId}/ip`],
  ];
  await fc.assert(
    fc.asyncProperty(fc.jsonValue(), fc.nat({ max: 5 }), async (body, index) => {
      const [method, path] = routes()[index] as [string, string];
      // Device routes are signed, so the body reaches validation instead of stopping at authentication.
      checkReply(
        path.startsWith('/v1/user/')
          ? await w.device.request(method, path, JSON.stringify(body))
          : await http(`${w.server.url}${path}`, {
              method,
              body: JSON.stringify(body),
              headers: { 'content-type': 'application/json' },
            }),
      );
    }),
    { numRuns: 120 },
  );
});

it('survives arbitrary path segments and query strings', async () => {
  await fc.assert(
    fc.asyncProperty(segment, fc.string(), async (id, query) => {
      const encoded = encodeURIComponent(id);
      const q = encodeURIComponent(query);
      for (const path of [
        `/v1/session-server-request/${encoded}?wait=${q}`,
        `/v1/user/${w.user.id}/credential-password-ip/${encoded}`,
        `/v1/user/${w.user.id}/session-server-request?count=${q}&older_than=${encoded}`,
      ]) {
        const reply = path.startsWith('/v1/user/')
          ? await w.device.request('GET', path)
          : await http(`${w.server.url}${path}`, { headers: { 'x-bunq-client-authentication': apiKey } });
        checkReply(reply);
      }
    }),
    { numRuns: 60 },
  );
});
