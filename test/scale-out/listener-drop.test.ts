// When an instance's LISTEN connection is lost, notices sent meanwhile never reach it. These tests take B's listener
// away (its backend terminated; or the network path going silent, which only the heartbeat notices), change things
// on A while B cannot hear, and show that after B reconnects its stream has what it missed, its long-poll has woken
// and a device removed meanwhile has lost its stream.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { createTestDatabase, queryUrl, testClusterUrl } from '../support/postgres.js';
import {
  addDevice,
  ask,
  INTROSPECTION_SECRET,
  type Instance,
  listenBackends,
  RecordingStream,
  requested,
  resolved,
  seedUser,
  startInstance,
} from './support/instances.js';
import { type Relay, startRelay, throughRelay } from './support/relay.js';

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function waitUntil(condition: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let tries = 0; tries < 400; tries += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting until ${what}`);
}

/** Whether the instance's hub logged the text (in the message or the error it carries). */
const logged = (instance: Instance, text: string) => () =>
  instance.log.some((entry) => `${entry.msg} ${(entry.obj as { err?: Error }).err?.message}`.includes(text));

/** A and B on one fresh database; B's hub reaches PostgreSQL through hubUrl(databaseUrl) and retries quickly. */
async function twoInstances(hubUrl: (url: string) => Promise<string> | string, heartbeatMs = 10_000) {
  const database = await createTestDatabase();
  cleanups.push(database.drop);
  const a = await startInstance(database.url);
  cleanups.push(a.close);
  const b = await startInstance(database.url, {
    connectionString: await hubUrl(database.url),
    reconnect: { baseMs: 20, maxMs: 200 },
    heartbeat: { intervalMs: heartbeatMs, timeoutMs: Math.min(heartbeatMs, 5_000) },
  });
  cleanups.push(b.close);
  return { a, b };
}

/**
 * The common script: a stream and a long-poll on B; `cutB` takes B's listener away; meanwhile A decides the polled
 * request, asks a new one and removes the user's second device; `restoreB` lets B back in.
 */
async function missWhileAway(a: Instance, b: Instance, cutB: () => Promise<void>, restoreB: () => Promise<void>) {
  const alice = await seedUser(a, 'alice');
  const phone = await addDevice(a, alice.user.id, 'alice-phone');
  const stream = new RecordingStream(alice.device.row.id, alice.user.id);
  const phoneStream = new RecordingStream(phone.row.id, alice.user.id);
  b.hub.attach(stream);
  b.hub.attach(phoneStream);
  cleanups.push(async () => {
    b.hub.detach(stream);
    b.hub.detach(phoneStream);
  });

  const polled = await ask(a, alice.apiKey, 'before the drop');
  await stream.waitFor(requested(polled.uuid));
  let pollSettled = false;
  const poll = b.services.approvals
    .readStatus(
      polled.uuid,
      { apiKey: alice.apiKey, claimHash: null, ip: '127.0.0.1' },
      3600,
      new AbortController().signal,
    )
    .finally(() => {
      pollSettled = true;
    });
  await waitUntil(() => b.hub.stats().waitedRequests === 1, 'the long-poll waits on B');

  await cutB();
  await a.services.approvals.decide(
    alice.device.call(),
    polled.uuid,
    alice.device.decision(polled.uuid, { decision: 'APPROVE' }),
  );
  const missed = await ask(a, alice.apiKey, 'while B was away');
  await a.services.devices.revoke(alice.device.row, phone.row.id, '127.0.0.1');
  // Nothing of it can have reached B: its listener is gone and cannot come back yet.
  expect(
    stream.received.filter((message) => message.type !== 'approval.requested' || message.request.uuid !== polled.uuid),
  ).toEqual([]);
  expect(phoneStream.closedWith).toBeNull();
  expect(pollSettled).toBe(false);

  await restoreB();
  const read = await poll;
  expect(read.request.status).toBe('ACCEPTED');
  expect(read.opened?.token).toMatch(/.+/);
  expect(await stream.waitFor(resolved(polled.uuid))).toEqual({
    type: 'approval.resolved',
    uuid: polled.uuid,
    status: 'ACCEPTED',
  });
  expect(await stream.waitFor(requested(missed.uuid))).toMatchObject({ request: { description: 'while B was away' } });
  expect(await phoneStream.waitForClose()).toEqual({ code: 4401, reason: 'This device was removed.' });
  // The removal's message to the user's other device, rendered from the audit trail by the resync.
  expect(await stream.waitFor((message) => message.type === 'device.removed')).toMatchObject({
    type: 'device.removed',
    device: { id: phone.row.id, name: 'alice-phone' },
    removed_by: { device_id: alice.device.row.id, name: 'alice-laptop' },
    ip: '127.0.0.1',
  });
  expect(phoneStream.received.some((message) => message.type === 'device.removed')).toBe(false);
  expect(logged(b, 'listening again')()).toBe(true);

  // Live again: the next request arrives without any resync.
  const after = await ask(a, alice.apiKey, 'after the reconnect');
  await stream.waitFor(requested(after.uuid));
  // Duplicates from the resync are possible (the device dedupes by uuid); a stale approval.requested after the
  // request's approval.resolved is not.
  const order = stream.received.map((message) =>
    message.type === 'approval.requested'
      ? `requested ${message.request.uuid}`
      : `${message.type} ${'uuid' in message ? message.uuid : ''}`,
  );
  expect(order.lastIndexOf(`requested ${polled.uuid}`)).toBeLessThan(order.indexOf(`approval.resolved ${polled.uuid}`));
}

/** B's hub logs in as a role of its own, so that a test can keep B (and only B) out while A carries on. */
async function twoInstancesWithBOwnRole() {
  const role = `hub_b_${randomBytes(4).toString('hex')}`;
  await queryUrl(testClusterUrl(), `CREATE ROLE ${role} LOGIN`);
  cleanups.push(() => queryUrl(testClusterUrl(), `DROP ROLE IF EXISTS ${role}`));
  const { a, b } = await twoInstances((url) => {
    const asRole = new URL(url);
    asRole.username = role;
    return asRole.toString();
  });
  // The database goes first in cleanup, ending B's connections, so the role can be dropped after it.
  cleanups.push(async () => {
    await b.close();
    await a.close();
  });
  return {
    a,
    b,
    /** B's listener is terminated and cannot log in again until restore. */
    cut: async () => {
      await queryUrl(testClusterUrl(), `ALTER ROLE ${role} NOLOGIN`);
      const [pid] = await listenBackends(b);
      expect(pid).toBeDefined();
      const [row] = await queryUrl<{ ok: boolean }>(testClusterUrl(), 'SELECT pg_terminate_backend($1) AS ok', [pid]);
      expect(row?.ok).toBe(true);
      await waitUntil(logged(b, 'the LISTEN connection dropped'), 'B notices the drop');
      await waitUntil(logged(b, 'could not reconnect'), 'B has tried to reconnect and failed');
    },
    restore: async () => {
      await queryUrl(testClusterUrl(), `ALTER ROLE ${role} LOGIN`);
    },
  };
}

describe('PostgresHub: the LISTEN connection drops', () => {
  it('B reconnects after its backend is terminated, and resyncs what A published while it could not log in', async () => {
    const { a, b, cut, restore } = await twoInstancesWithBOwnRole();
    await missWhileAway(a, b, cut, restore);
    expect(b.log.filter((entry) => entry.level === 'error')).toEqual([]);

    // close() ends the LISTEN connection for good, and closing twice is fine.
    await b.close();
    await b.close();
    expect(await listenBackends(b)).toEqual([]);
  });

  it("a key locked on A while B could not listen reaches B's devices once B is back, with the sessions it ended", async () => {
    const { a, b, cut, restore } = await twoInstancesWithBOwnRole();
    const alice = await seedUser(a, 'alice');
    const stream = new RecordingStream(alice.device.row.id, alice.user.id);
    b.hub.attach(stream);
    cleanups.push(async () => b.hub.detach(stream));
    const session = await a.services.sessions.open(
      a.store,
      { credentialId: alice.credential.id, userId: alice.user.id },
      '127.0.0.1',
      Date.now(),
    );

    await cut();
    for (let n = 0; n < 3; n += 1) {
      const request = await ask(a, alice.apiKey, `attempt ${n}`);
      await a.services.approvals.decide(
        alice.device.call(),
        request.uuid,
        alice.device.decision(request.uuid, { decision: 'BLOCK' }),
      );
    }
    expect((await a.store.credentials.byId(alice.credential.id))?.status).toBe('LOCKED');
    expect(stream.received.filter((message) => message.type === 'credential.locked')).toEqual([]);

    await restore();
    expect(await stream.waitFor((message) => message.type === 'credential.locked')).toEqual({
      type: 'credential.locked',
      credential: { id: alice.credential.id, name: alice.credential.name },
      reason:
        'Locked after 3 blocked session requests within 10 minutes; 1 session ended. Set it ACTIVE again to unlock it.',
      sessions_ended: 1,
    });
    expect(await b.services.sessions.introspect(INTROSPECTION_SECRET, session.token)).toEqual({ active: false });
    expect(b.log.filter((entry) => entry.level === 'error')).toEqual([]);
  });

  it('a silently dead connection is found by the heartbeat, and B resyncs from the last moment it was known to work', async () => {
    let relay: Relay | null = null;
    const { a, b } = await twoInstances(async (url) => {
      relay = await startRelay(Number(new URL(url).port));
      cleanups.push(relay.close);
      return throughRelay(url, relay);
    }, 300);
    await missWhileAway(
      a,
      b,
      // A publishes while B still believes it is listening: only the heartbeat can tell it otherwise.
      async () => relay!.goSilent(),
      async () => {
        await waitUntil(logged(b, 'no answer to the heartbeat'), 'the heartbeat finds the connection dead');
        relay!.heal();
      },
    );
    expect(b.log.filter((entry) => entry.level === 'error')).toEqual([]);
  });
});
