import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { type OpenSessionResult, openSession } from '../../client/index.js';
import type { ApproverCore, ConnectionState } from '../../main/core/api.js';
import { backoffCeiling } from '../../main/core/backoff.js';
import { AdminCommands } from '../../server/admin/commands.js';
import { type TestCore, startTestCore, waitConnected, waitFor } from '../support/core.js';
import { gatedWebSocket } from '../support/gated-websocket.js';
import { type ServerProcess, type TestServer, startServerProcess, startTestServer } from '../support/server.js';
import { describeWithKeychain } from './keychain-session.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface StateAt {
  at: number;
  state: ConnectionState;
}

/** Every distinct connection state the account goes through, with the local time it was announced. */
function recordStates(core: ApproverCore, accountId: string): StateAt[] {
  const states: StateAt[] = [];
  core.on('accounts:changed', (accounts) => {
    const state = accounts.find((a) => a.id === accountId)?.connection;
    if (state && JSON.stringify(states.at(-1)?.state) !== JSON.stringify(state)) states.push({ at: Date.now(), state });
  });
  return states;
}

/**
 * Each offline state announces when the next attempt will be made; that delay must lie within the backoff
 * ceiling of the attempt that follows it, and attempts count up 1, 2, 3… until a connection succeeds.
 */
function expectRetriesWithinBackoff(states: StateAt[], backoff: { baseMs: number; capMs: number }): number {
  let retries = 0;
  for (let i = 0; i < states.length - 1; i++) {
    const { at, state } = states[i]!;
    const next = states[i + 1]!.state;
    if (state.state !== 'offline' || next.state !== 'connecting') continue;
    retries += 1;
    expect(next.attempt).toBe(retries);
    expect(state.retryAt).not.toBeNull();
    const announcedDelay = Date.parse(state.retryAt!) - at;
    expect(announcedDelay).toBeLessThanOrEqual(backoffCeiling(next.attempt, backoff));
  }
  return retries;
}

/** A requester with the real client library; `polling` is true once it holds the 202 and polls for the outcome. */
function requester(server: string, apiKey: string): Promise<OpenSessionResult> & { polling: () => boolean } {
  let polling = false;
  const result = openSession({
    server,
    apiKey,
    description: 'survives restarts',
    onProgress: () => {
      polling = true;
    },
  });
  result.catch(() => {});
  return Object.assign(result, { polling: () => polling });
}

async function core(options: Parameters<typeof startTestCore>[0]): Promise<TestCore> {
  const started = await startTestCore(options);
  cleanups.push(() => started.close());
  return started;
}

async function inProcessServer(): Promise<TestServer> {
  const server = await startTestServer();
  cleanups.push(() => server.close());
  await server.admin.createUser('ada');
  return server;
}

describeWithKeychain(`push connection: drops, restarts, resync`, () => {
  it('survives kill -9 and a restart of the server: reconnects, shows the pending request, the decision still lands', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cs-restart-'));
    const dbPath = join(dir, 'countersign.db');
    let proc: ServerProcess = await startServerProcess({ db: dbPath });
    const admin = await AdminCommands.open(dbPath);
    cleanups.push(async () => {
      await proc.stop('SIGKILL');
      await admin.close();
      await rm(dir, { recursive: true, force: true });
    });
    await admin.createUser('ada');
    const key = await admin.createKey({ user: 'ada', name: 'survivor', mode: 'push' });
    const backoff = { baseMs: 200, capMs: 1600 };
    const c = await core({ user: 'ada', issuer: { pair: (user) => admin.pair(user, proc.url) }, backoff });
    const accountId = c.account!.id;
    const states = recordStates(c.core, accountId);
    const added: boolean[] = [];
    c.core.on('approval:added', (_approval, { firstSeen }) => added.push(firstSeen));

    const session = requester(proc.url, key.api_key);
    const pending = await waitFor('the request', () => c.core.pending()[0]);
    // The push can overtake the 202: kill only once the requester holds its uuid (a lost POST is not retried).
    await waitFor('the requester to poll', () => session.polling());

    await proc.stop('SIGKILL');
    await waitFor('the core to notice', () => states.some((s) => s.state.state === 'offline'));
    // Let it fail at least once against the dead port before the server comes back.
    await waitFor('a failed retry', () => states.filter((s) => s.state.state === 'offline').length >= 2);
    proc = await startServerProcess({ db: dbPath, port: proc.port });
    await waitConnected(c.core, accountId);

    expect(expectRetriesWithinBackoff(states, backoff)).toBeGreaterThanOrEqual(2);
    // Recorded from the kill on: offline (the socket closed), retries, connected again.
    expect(states[0]?.state).toMatchObject({ state: 'offline', reason: expect.stringMatching(/Connection closed/) });
    expect(states.at(-1)?.state.state).toBe('connected');
    // Still shown once: the server's resend did not duplicate it or notify again.
    expect(c.core.pending().map((p) => p.request.uuid)).toEqual([pending.request.uuid]);
    expect(added).toEqual([true]);

    const decided = await c.core.decide(accountId, pending.request.uuid, { decision: 'APPROVE' });
    expect(decided).toEqual({ ok: true, value: { outcome: 'decided', status: 'ACCEPTED', bindingMismatch: false } });
    const result = await session;
    expect(result.status).toBe('ACCEPTED');
  });

  it('notices a silent (frozen) server by the missing pings and reconnects once it answers again', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'cs-frozen-'));
    const dbPath = join(dir, 'countersign.db');
    const proc = await startServerProcess({ db: dbPath, pingIntervalMs: 300 });
    const admin = await AdminCommands.open(dbPath);
    cleanups.push(async () => {
      process.kill(proc.pid, 'SIGCONT');
      await proc.stop('SIGKILL');
      await admin.close();
      await rm(dir, { recursive: true, force: true });
    });
    await admin.createUser('ada');
    const c = await core({
      user: 'ada',
      issuer: { pair: (user) => admin.pair(user, proc.url) },
      backoff: { baseMs: 100, capMs: 400 },
    });
    const states = recordStates(c.core, c.account!.id);
    process.kill(proc.pid, 'SIGSTOP');
    const offline = await waitFor('the dead connection to be noticed', () =>
      states.find((s) => s.state.state === 'offline'),
    );
    // 2.5 ping intervals of silence.
    expect(offline.state.state === 'offline' && offline.state.reason).toMatch(/No ping from the server for 0\.75 s/);
    process.kill(proc.pid, 'SIGCONT');
    await waitConnected(c.core, c.account!.id);
  });

  it('reconnects after the socket drops, within the backoff bound of each attempt', async () => {
    const server = await inProcessServer();
    const { gate, WebSocket: Gated } = gatedWebSocket();
    const backoff = { baseMs: 100, capMs: 400 };
    const c = await core({ user: 'ada', issuer: server.admin, backoff, WebSocket: Gated });
    const accountId = c.account!.id;
    const states = recordStates(c.core, accountId);

    gate.open = false;
    gate.sockets.at(-1)!.terminate();
    await waitFor('three failed attempts', () => states.filter((s) => s.state.state === 'offline').length >= 4);
    gate.open = true;
    await waitConnected(c.core, accountId);

    expect(states[0]?.state).toMatchObject({ state: 'offline', reason: expect.stringMatching(/Connection closed/) });
    expect(expectRetriesWithinBackoff(states, backoff)).toBeGreaterThanOrEqual(4);
    // The ceilings grew 100 → 200 → 400 and stayed at the cap.
    const attempts = states.flatMap((s) => (s.state.state === 'connecting' ? [s.state.attempt] : []));
    expect(attempts.slice(0, 4)).toEqual([1, 2, 3, 4]);
    expect(states.at(-1)?.state.state).toBe('connected');
  });

  it('resyncs after being away: drops what was decided meanwhile, adds what arrived meanwhile', async () => {
    const server = await inProcessServer();
    const key = await server.admin.createKey({ user: 'ada', name: 'resync', mode: 'push' });
    const { gate, WebSocket: Gated } = gatedWebSocket();
    const away = await core({
      user: 'ada',
      issuer: server.admin,
      backoff: { baseMs: 50, capMs: 200 },
      WebSocket: Gated,
    });
    const present = await core({ user: 'ada', issuer: server.admin });
    const awayId = away.account!.id;
    const added: string[] = [];
    const closed: unknown[] = [];
    away.core.on('approval:added', (a) => added.push(a.request.uuid));
    away.core.on('approval:closed', (info) => closed.push(info));

    const decidedMeanwhile = requester(server.url, key.api_key);
    const first = await waitFor('the first request on both', () => {
      const uuid = away.core.pending()[0]?.request.uuid;
      return uuid && present.core.pending().some((p) => p.request.uuid === uuid) ? uuid : null;
    });

    // The away desktop loses the network.
    gate.open = false;
    gate.sockets.at(-1)!.terminate();
    await waitFor('the away desktop to be offline', () => away.core.listAccounts()[0]?.connection.state === 'offline');
    expect(await present.core.decide(present.account!.id, first, { decision: 'APPROVE' })).toMatchObject({
      ok: true,
      value: { outcome: 'decided' },
    });
    expect((await decidedMeanwhile).status).toBe('ACCEPTED');
    const arrivedMeanwhile = requester(server.url, key.api_key);
    const second = await waitFor(
      'the second request on the present desktop',
      () => present.core.pending()[0]?.request.uuid,
    );
    // Still queued on the away desktop: it could not hear that the first one was decided.
    expect(away.core.pending().map((p) => p.request.uuid)).toEqual([first]);

    gate.open = true;
    await waitConnected(away.core, awayId);
    await waitFor('the resync', () => {
      const uuids = away.core.pending().map((p) => p.request.uuid);
      return uuids.length === 1 && uuids[0] === second;
    });
    expect(closed).toEqual([{ accountId: awayId, uuid: first, status: 'ACCEPTED', by: 'elsewhere' }]);
    expect(added).toEqual([first, second]);
    expect(away.core.localHistory({ accountId: awayId }).map((e) => [e.uuid, e.status])).toEqual([
      [second, 'PENDING'],
      [first, 'ACCEPTED'],
    ]);
    // And a decision from the returning desktop still reaches the requester.
    await away.core.decide(awayId, second, { decision: 'BLOCK' });
    expect((await arrivedMeanwhile).status).toBe('REJECTED');
  });

  it('after a restart of the core itself, shows the still-pending requests again without a second notification', async () => {
    const server = await inProcessServer();
    const key = await server.admin.createKey({ user: 'ada', name: 'restart', mode: 'push' });
    const c = await core({ user: 'ada', issuer: server.admin });
    const accountId = c.account!.id;
    const added: boolean[] = [];
    c.core.on('approval:added', (_approval, { firstSeen }) => added.push(firstSeen));
    const session = requester(server.url, key.api_key);
    const pending = await waitFor('the request', () => c.core.pending()[0]);
    await c.core.stop();
    expect(c.core.pending()).toEqual([]);
    await c.core.start();
    const again = await waitFor('the request again', () => c.core.pending()[0]);
    expect(again.request.uuid).toBe(pending.request.uuid);
    expect(again.receivedAt).toBe(pending.receivedAt);
    // Queued again (the window shows it), but known: no second notification.
    expect(added).toEqual([true, false]);
    await c.core.decide(accountId, again.request.uuid, { decision: 'APPROVE' });
    expect((await session).status).toBe('ACCEPTED');
  });
});
