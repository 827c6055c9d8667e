// The rules that read and then write, kept across server instances: two approval servers on one PostgreSQL
// database, requests and decisions spread over both at the same moment. On one SQLite instance these hold because
// transactions run one at a time; here because each such transaction first holds the key's row (SELECT … FOR
// UPDATE), so the same key's transactions on the other instance wait. (Without the hold the pending limit fails
// here; the three blocks rarely overlap closely enough to show it, which test/store's 12-way race does.)
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { Limits } from '../../protocol/index.js';
import { AdminCommands } from '../../server/admin/commands.js';
import { type RunningServer, startServer } from '../../server/index.js';
import { TestDevice } from '../support/device.js';
import { createTestDatabase } from '../support/postgres.js';
import { http } from '../support/server.js';

interface Pair {
  a: RunningServer;
  b: RunningServer;
  admin: AdminCommands;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function twoInstances(): Promise<Pair> {
  const database = await createTestDatabase();
  cleanups.push(database.drop);
  const totpKey = randomBytes(32);
  const start = () =>
    startServer({ db: database.url, port: 0, host: '127.0.0.1', config: { totpKey }, validateReplies: true });
  const [a, b] = await Promise.all([start(), start()]);
  cleanups.push(a.close, b.close);
  const admin = await AdminCommands.open(database.url);
  cleanups.push(() => admin.close());
  return { a, b, admin };
}

// Each attempt its own job: identical attempts (same key, address, description, User-Agent) merge into one request.
let jobs = 0;
const attempt = (server: RunningServer, apiKey: string) =>
  http(`${server.url}/v1/session-server`, { method: 'POST', body: { secret: apiKey, description: `job ${++jobs}` } });

const pendingUuid = (reply: { json: unknown }) =>
  (reply.json as { Response: [{ SessionServerRequest: { uuid: string } }] }).Response[0].SessionServerRequest.uuid;

describe('two instances on one PostgreSQL database', () => {
  it(`holds the limit of ${Limits.MAX_PENDING_PER_KEY} pending requests per key when requests hit both at once`, async () => {
    const { a, b, admin } = await twoInstances();
    await admin.createUser('alice');
    const key = await admin.createKey({ user: 'alice', name: 'deploy', mode: 'push' });
    const replies = await Promise.all(Array.from({ length: 10 }, (_, n) => attempt(n % 2 === 0 ? a : b, key.api_key)));
    const statuses = replies.map((reply) => reply.status).sort();
    expect(statuses.filter((s) => s === 202)).toHaveLength(Limits.MAX_PENDING_PER_KEY);
    expect(statuses.filter((s) => s === 429)).toHaveLength(10 - Limits.MAX_PENDING_PER_KEY);
  });

  it(`locks the key at the ${Limits.LOCK_AFTER_BLOCKS}rd block when the blocks are decided on both at once`, async () => {
    const { a, b, admin } = await twoInstances();
    await admin.createUser('alice');
    const key = await admin.createKey({ user: 'alice', name: 'deploy', mode: 'push' });
    const onA = await TestDevice.pair(a.url, (await admin.pair('alice', a.url)).code, 'laptop');
    const onB = await TestDevice.pair(b.url, (await admin.pair('alice', b.url)).code, 'desktop');
    const uuids: string[] = [];
    for (let n = 0; n < Limits.LOCK_AFTER_BLOCKS; n += 1) {
      const reply = await attempt(n % 2 === 0 ? a : b, key.api_key);
      expect(reply.status, reply.text).toBe(202);
      uuids.push(pendingUuid(reply));
    }
    const decisions = await Promise.all(
      uuids.map((uuid, n) => (n % 2 === 0 ? onA : onB).decide(uuid, { decision: 'BLOCK' })),
    );
    expect(decisions.map((d) => d.status)).toEqual(uuids.map(() => 200));
    const read = await onB.request('GET', `/v1/user/${onB.userId}/credential-password-ip/${key.id}`);
    expect(read.status, read.text).toBe(200);
    expect(read.text).toContain('"status":"LOCKED"');
  });

  it('hands the token out once when the requester reads its status on both at once', async () => {
    const { a, b, admin } = await twoInstances();
    await admin.createUser('alice');
    const key = await admin.createKey({ user: 'alice', name: 'deploy', mode: 'push' });
    const device = await TestDevice.pair(b.url, (await admin.pair('alice', b.url)).code, 'laptop');
    const reply = await attempt(a, key.api_key);
    const uuid = pendingUuid(reply);
    expect((await device.decide(uuid, { decision: 'APPROVE' })).status).toBe(200);
    const reads = await Promise.all(
      [a, b, a, b].map((server) =>
        http(`${server.url}/v1/session-server-request/${uuid}`, {
          headers: { 'x-bunq-client-authentication': key.api_key },
        }),
      ),
    );
    expect(reads.map((r) => r.status)).toEqual([200, 200, 200, 200]);
    const tokens = reads.filter((r) =>
      (r.json as { Response: { Token?: unknown }[] }).Response.some((x) => 'Token' in x),
    );
    expect(tokens).toHaveLength(1);
  });

  it('says whether an approver is online when its stream is held by the other instance, and when it goes', async () => {
    const { a, b, admin } = await twoInstances();
    await admin.createUser('alice');
    const key = await admin.createKey({ user: 'alice', name: 'deploy', mode: 'push' });
    const device = await TestDevice.pair(b.url, (await admin.pair('alice', b.url)).code, 'laptop');
    const online = async (uuid: string) => {
      const read = await http(`${a.url}/v1/session-server-request/${uuid}`, {
        headers: { 'x-bunq-client-authentication': key.api_key },
      });
      return (read.json as { Response: [{ SessionServerRequest: { approver_online: boolean } }] }).Response[0]
        .SessionServerRequest.approver_online;
    };
    const offline = await attempt(a, key.api_key);
    expect(
      (offline.json as { Response: [{ SessionServerRequest: { approver_online: boolean } }] }).Response[0]
        .SessionServerRequest.approver_online,
    ).toBe(false);
    // The device's stream is on B; A, asked by the requester, reads B's presence row.
    const stream = await device.connect();
    await stream.next('hello');
    await expect.poll(() => online(pendingUuid(offline)), { timeout: 10_000 }).toBe(true);
    await stream.close();
    await expect.poll(() => online(pendingUuid(offline)), { timeout: 10_000 }).toBe(false);
  });
});
