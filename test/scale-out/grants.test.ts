// Grants across two approval servers on one PostgreSQL database: a revoke on one instance stops the next request on
// the other at once, max_uses holds when the requests hit both at the same moment, and every device's grant list
// (grant.changed) and quiet notice (session.opened) reach a stream held by the other instance.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { GrantCreated } from '../../protocol/index.js';
import { AdminCommands } from '../../server/admin/commands.js';
import { type RunningServer, startServer } from '../../server/index.js';
import { TestDevice } from '../support/device.js';
import { createTestDatabase } from '../support/postgres.js';
import { http } from '../support/server.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function twoInstances() {
  const database = await createTestDatabase();
  cleanups.push(database.drop);
  const totpKey = randomBytes(32);
  const start = () =>
    startServer({ db: database.url, port: 0, host: '127.0.0.1', config: { totpKey }, validateReplies: true });
  const [a, b] = await Promise.all([start(), start()]);
  cleanups.push(a.close, b.close);
  const admin = await AdminCommands.open(database.url);
  cleanups.push(() => admin.close());
  await admin.createUser('alice');
  const key = await admin.createKey({ user: 'alice', name: 'ci-bot', mode: 'push' });
  // The device talks to B only; the requester to A only.
  const device = await TestDevice.pair(b.url, (await admin.pair('alice', b.url)).code, 'laptop');
  const stream = await device.connect();
  cleanups.push(() => stream.close());
  await stream.next('hello');
  return { a, b, key, device, stream };
}

const attempt = (server: RunningServer, apiKey: string) =>
  http(`${server.url}/v1/session-server`, { method: 'POST', body: { secret: apiKey } });

describe('grants on two instances', () => {
  it("a revoke on B stops the next request on A at once; A's sessions and uses reach the device on B", async () => {
    const { a, key, device, stream } = await twoInstances();
    const path = `/v1/user/${device.userId}/credential-password-ip/${key.id}/grant`;
    const created = await device.request('POST', path, { scope: 'anywhere', minutes: 30 });
    expect(created.status, created.text).toBe(200);
    const grant = GrantCreated.parse(created.json).Response[1].Grant;
    expect((await stream.next('grant.changed')).change).toBe('created');

    expect((await attempt(a, key.api_key)).status).toBe(200);
    const opened = await stream.next('session.opened');
    expect(opened.granted_by).toEqual({ kind: 'grant', grant_id: grant.id });
    const used = await stream.next('grant.changed');
    expect(used).toMatchObject({ change: 'used', grant: { id: grant.id, uses: 1 } });

    expect((await device.request('DELETE', `${path}/${grant.id}`)).status).toBe(200);
    // No waiting for a notice: the next request on A reads the revoked row.
    expect((await attempt(a, key.api_key)).status).toBe(202);
  });

  it('20 requests on both at once against max_uses 3 open exactly 3 sessions', async () => {
    const { a, b, key, device } = await twoInstances();
    const path = `/v1/user/${device.userId}/credential-password-ip/${key.id}/grant`;
    expect((await device.request('POST', path, { scope: 'anywhere', max_uses: 3 })).status).toBe(200);
    const replies = await Promise.all(Array.from({ length: 20 }, (_, n) => attempt(n % 2 === 0 ? a : b, key.api_key)));
    expect(replies.filter((reply) => reply.status === 200)).toHaveLength(3);
  });
});
