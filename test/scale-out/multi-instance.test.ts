// Scale-out end to end: two real countersign-server processes on different ports and one PostgreSQL
// database. The requester talks to A, the device is connected to B (through a relay standing in for the load
// balancer), the decision is posted to B and A's long-poll hands out the token. Then one instance is killed -9 with
// requests pending and a long-poll open on it, and the other carries on. And two instances deciding the same request
// at once: exactly one decision wins.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { PairingCodeIssued, SessionServerPending, SessionServerRequestRead } from '../../protocol/index.js';
import { AdminCommands } from '../../server/admin/commands.js';
import { TestDevice, type TestStream } from '../support/device.js';
import { createTestDatabase } from '../support/postgres.js';
import { http, type ServerProcess, startServerProcess } from '../support/server.js';
import { type Relay, startRelay } from './support/relay.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** The longest long-poll the protocol allows (seconds). */
const WAIT = 25;
/**
 * A long-poll must answer well before its own wait would run out: it answers because a decision on the other
 * instance woke it, not because its wait ended and it read the row again.
 */
const WOKEN_WITHIN_MS = 20_000;

interface Deployment {
  a: ServerProcess;
  b: ServerProcess;
  admin: AdminCommands;
  /** What devices connect to: a relay in front of one instance, switched over when that one dies. */
  balancer: Relay;
  balancerUrl: string;
}

async function deployment(): Promise<Deployment> {
  const database = await createTestDatabase();
  cleanups.push(database.drop);
  const totpKey = randomBytes(32);
  // One after the other: the first runs the migrations (they would also be safe together, under an advisory lock).
  const a = await startServerProcess({ db: database.url, totpKey });
  cleanups.push(() => a.stop('SIGKILL'));
  const b = await startServerProcess({ db: database.url, totpKey });
  cleanups.push(() => b.stop('SIGKILL'));
  const admin = await AdminCommands.open(database.url);
  cleanups.push(() => admin.close());
  await admin.createUser('alice');
  const balancer = await startRelay(b.port);
  cleanups.push(balancer.close);
  return { a, b, admin, balancer, balancerUrl: `http://127.0.0.1:${balancer.port}` };
}

/** User alice with a push key, and her device paired and streaming through the balancer (to B). */
async function aliceOnB(d: Deployment, deviceName = 'alice-laptop') {
  const key = await d.admin.createKey({ user: 'alice', name: `key for ${deviceName}`, mode: 'push' });
  const device = await TestDevice.pair(d.balancerUrl, (await d.admin.pair('alice', d.balancerUrl)).code, deviceName);
  const stream = await device.connect();
  cleanups.push(() => stream.close());
  await stream.next('hello');
  return { apiKey: key.api_key, device, stream };
}

async function ask(server: ServerProcess, apiKey: string, description: string): Promise<string> {
  const reply = await http(`${server.url}/v1/session-server`, {
    method: 'POST',
    body: { secret: apiKey, description },
  });
  expect(reply.status, reply.text).toBe(202);
  return SessionServerPending.parse(reply.json).Response[0].SessionServerRequest.uuid;
}

function longPoll(server: ServerProcess, uuid: string, apiKey: string, wait = WAIT) {
  return http(`${server.url}/v1/session-server-request/${uuid}?wait=${wait}`, {
    headers: { 'x-bunq-client-authentication': apiKey },
    signal: AbortSignal.timeout(WOKEN_WITHIN_MS),
  });
}

/** The status read's request and, on the one read that hands it out, the session token. */
function statusOf(reply: { status: number; text: string; json: unknown }) {
  expect(reply.status, reply.text).toBe(200);
  const read = SessionServerRequestRead.parse(reply.json).Response;
  return { status: read[0].SessionServerRequest.status, token: read[2]?.Token.token };
}

/** Waits until every one of the requests has been pushed, in whatever order. */
async function requestedAll(stream: TestStream, uuids: string[]) {
  const missing = new Set(uuids);
  while (missing.size > 0) missing.delete((await stream.next('approval.requested')).request.uuid);
}

async function nextRequested(stream: TestStream, uuid: string) {
  for (;;) {
    const message = await stream.next('approval.requested');
    if (message.request.uuid === uuid) return message;
  }
}

describe('two countersign-server processes on one PostgreSQL database', () => {
  it('a device paired on A with an invite made through B is told to the device streaming on B', async () => {
    const d = await deployment();
    const alice = await aliceOnB(d);
    const issued = await alice.device.request('POST', `/v1/user/${alice.device.userId}/pairing-code`, {});
    expect(issued.status, issued.text).toBe(200);
    const phone = await TestDevice.pair(d.a.url, PairingCodeIssued.parse(issued.json).code, 'alice-phone');
    expect(await alice.stream.next('device.paired')).toEqual({
      type: 'device.paired',
      event_id: expect.any(Number),
      device: { id: phone.id, name: 'alice-phone', platform: 'linux' },
      ip: '127.0.0.1',
      at: expect.any(String),
      invited_by: { device_id: alice.device.id, name: 'alice-laptop' },
    });
    // And its removal on A, by the phone itself.
    expect((await phone.request('DELETE', `/v1/approver-device/${phone.id}`)).status).toBe(200);
    expect(await alice.stream.next('device.removed')).toMatchObject({
      device: { id: phone.id },
      removed_by: { device_id: phone.id, name: 'alice-phone' },
    });
  });

  it('requester on A, device on B, decision on B: the long-poll on A returns the token', async () => {
    const d = await deployment();
    const alice = await aliceOnB(d);
    const uuid = await ask(d.a, alice.apiKey, 'asked on A');
    const shown = await nextRequested(alice.stream, uuid);
    expect(shown.request).toMatchObject({ uuid, description: 'asked on A' });

    const poll = longPoll(d.a, uuid, alice.apiKey);
    // The poll must already wait on A when the decision lands; a wake that comes first is not what this shows.
    await new Promise((resolve) => setTimeout(resolve, 300));
    const decided = await alice.device.decide(uuid, { decision: 'APPROVE' });
    expect(decided.status, decided.text).toBe(200);

    const outcome = statusOf(await poll);
    expect(outcome.status).toBe('ACCEPTED');
    expect(outcome.token).toMatch(/.+/);
    expect(await alice.stream.next('approval.resolved')).toEqual({
      type: 'approval.resolved',
      uuid,
      status: 'ACCEPTED',
    });
  });

  it('kill -9 of the instance holding the device and a long-poll: the other carries on', async () => {
    const d = await deployment();
    const alice = await aliceOnB(d);
    const fromA = await ask(d.a, alice.apiKey, 'pending, asked on A');
    const fromB = await ask(d.b, alice.apiKey, 'pending, asked on B');
    // Either may come first: fromB is pushed by B itself, fromA crosses from A by NOTIFY and can arrive later.
    await requestedAll(alice.stream, [fromA, fromB]);
    // A requester long-polling on B when it dies.
    const pollOnB = longPoll(d.b, fromB, alice.apiKey).then(
      () => 'answered',
      () => 'cut off',
    );
    await new Promise((resolve) => setTimeout(resolve, 300));

    await d.b.stop('SIGKILL');
    expect(await pollOnB).toBe('cut off');
    expect((await alice.stream.closed).code).toBe(1006);

    // The balancer sends new connections to A; the device reconnects and finds both requests still pending.
    d.balancer.setTarget(d.a.port);
    const stream = await alice.device.connect();
    cleanups.push(() => stream.close());
    await stream.next('hello');
    const pending = [await stream.next('approval.requested'), await stream.next('approval.requested')];
    expect(pending.map((message) => message.request.uuid).sort()).toEqual([fromA, fromB].sort());

    // The requesters poll the survivor; the device decides there.
    const polls = [longPoll(d.a, fromA, alice.apiKey), longPoll(d.a, fromB, alice.apiKey)];
    await new Promise((resolve) => setTimeout(resolve, 300));
    for (const uuid of [fromA, fromB]) {
      const decided = await alice.device.decide(uuid, { decision: 'APPROVE' });
      expect(decided.status, decided.text).toBe(200);
    }
    for (const poll of polls) {
      const outcome = statusOf(await poll);
      expect(outcome.status).toBe('ACCEPTED');
      expect(outcome.token).toMatch(/.+/);
    }
    // And new work flows on A alone.
    const after = await ask(d.a, alice.apiKey, 'after the kill');
    await nextRequested(stream, after);
  });

  it('two instances deciding the same request at once: exactly one 200, the other 409', async () => {
    const d = await deployment();
    const laptop = await aliceOnB(d, 'alice-laptop');
    const desktop = await TestDevice.pair(d.a.url, (await d.admin.pair('alice', d.a.url)).code, 'alice-desktop');
    const rounds = 8;
    for (let round = 0; round < rounds; round += 1) {
      const uuid = await ask(round % 2 === 0 ? d.a : d.b, laptop.apiKey, `race ${round}`);
      // The laptop approves through B and the desktop through A, at the same moment. (Approvals, not blocks:
      // three won blocks would lock the key.)
      const [onB, onA] = await Promise.all([
        laptop.device.decide(uuid, { decision: 'APPROVE' }),
        desktop.decide(uuid, { decision: 'APPROVE' }),
      ]);
      expect([onB.status, onA.status].sort(), `${onB.text} ${onA.text}`).toEqual([200, 409]);
      const loser = onB.status === 409 ? onB : onA;
      expect(loser.text).toMatch(/already/i);
      const read = statusOf(
        await http(`${d.a.url}/v1/session-server-request/${uuid}`, {
          headers: { 'x-bunq-client-authentication': laptop.apiKey },
        }),
      );
      expect(read.status).toBe('ACCEPTED');
    }
  });
});
