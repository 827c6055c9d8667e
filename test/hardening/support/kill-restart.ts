// The kill -9 scenario, for any N: N requesters (the real client library, each from its own loopback address and
// with its own push key) wait for approval while the server process is killed with SIGKILL and started again on
// the same database and port. Each request has a planned fate — approved or blocked before the kill, blocked
// with the decision in flight at the kill, approved or blocked after the restart, or left to expire — and the
// scenario checks that every one ends as planned: nothing lost, nothing doubled, every token delivered once.
import { expect } from 'vitest';
import { type OpenSessionResult, openSession } from '../../../client/index.js';
import type { IntrospectResult } from '../../../protocol/index.js';
import { AdminCommands } from '../../../server/admin/commands.js';
import { TestDevice, type TestStream } from '../../support/device.js';
import {
  createTestDb,
  http,
  type ServerProcess,
  startServerProcess,
  TEST_INTROSPECTION_SECRET,
} from '../../support/server.js';
import { query } from './db.js';

export const FATES = [
  'approved before the kill',
  'blocked before the kill',
  'blocked in flight at the kill',
  'approved after the restart',
  'blocked after the restart',
  'left to expire',
] as const;
export type Fate = (typeof FATES)[number];

const EXPECTED: Record<Fate, 'ACCEPTED' | 'REJECTED' | 'EXPIRED'> = {
  'approved before the kill': 'ACCEPTED',
  'blocked before the kill': 'REJECTED',
  'blocked in flight at the kill': 'REJECTED',
  'approved after the restart': 'ACCEPTED',
  'blocked after the restart': 'REJECTED',
  'left to expire': 'EXPIRED',
};

export interface KillRestartOptions {
  requests: number;
  /** Keys (one request each) per user; each user has one device. */
  keysPerUser: number;
  /** Long enough for everything before the expiry group's turn, kill and restart included. */
  requestLifetimeSeconds: number;
}

export interface KillRestartFigures {
  requests: number;
  users: number;
  outcomes: Record<string, number>;
  lost: number;
  doubled: number;
  tokens_delivered: number;
  tokens_delivered_twice: number;
  in_flight_decisions: Record<string, number>;
  resent_after_restart: number;
  seconds: number;
}

interface Requester {
  index: number;
  fate: Fate;
  apiKey: string;
  credentialId: number;
  device: TestDevice;
  uuid: string | null;
  settled: OpenSessionResult | Error | null;
}

/** Source address of requester i: 250 loopback addresses, so that no address nears the per-IP limit. */
const sourceAddress = (i: number) => `127.0.${1 + Math.floor(i / 250)}.${2 + (i % 250)}`;

async function until<T>(what: string, check: () => T | undefined | null | false, timeoutMs = 60_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/** Runs the scenario and returns its figures; every check is an expect() inside. */
export async function killAndRestart(options: KillRestartOptions): Promise<KillRestartFigures> {
  const startedAt = Date.now();
  // A SQLite file, or in the hardening-postgres project a fresh PostgreSQL database.
  const database = await createTestDb();
  const dbPath = database.db;
  const serverOptions = {
    db: dbPath,
    totpKey: database.totpKey,
    requestLifetimeSeconds: options.requestLifetimeSeconds,
    pingIntervalMs: 2_000,
  };
  let server: ServerProcess = await startServerProcess(serverOptions);
  const admin = await AdminCommands.open(dbPath);
  const streams: TestStream[] = [];
  try {
    const userCount = Math.ceil(options.requests / options.keysPerUser);
    const devices: TestDevice[] = [];
    for (let u = 0; u < userCount; u++) {
      await admin.createUser(`user-${u}`);
      devices.push(await TestDevice.pair(server.url, (await admin.pair(`user-${u}`, server.url)).code));
    }
    const requesters: Requester[] = [];
    for (let i = 0; i < options.requests; i++) {
      const user = Math.floor(i / options.keysPerUser);
      const key = await admin.createKey({ user: `user-${user}`, name: `key ${i}`, mode: 'push' });
      requesters.push({
        index: i,
        fate: FATES[i % FATES.length]!,
        apiKey: key.api_key,
        credentialId: key.id,
        device: devices[user]!,
        uuid: null,
        settled: null,
      });
    }

    // Every requester asks at once and waits (long-polling) through everything that follows.
    const results = requesters.map((r) => {
      const result = openSession({
        server: server.url,
        apiKey: r.apiKey,
        description: `durability ${r.index}`,
        localAddress: sourceAddress(r.index),
        onProgress: (progress) => {
          r.uuid ??= progress.uuid;
        },
      });
      return result.then(
        (outcome) => {
          r.settled = outcome;
        },
        (error: Error) => {
          r.settled = error;
        },
      );
    });
    await until('every request to be PENDING', () => requesters.every((r) => r.uuid !== null));
    const uuid = (r: Requester) => r.uuid!;
    const withFate = (fate: Fate) => requesters.filter((r) => r.fate === fate);

    // Before the kill: decisions that land and whose outcome the requesters have read.
    const decideAll = async (group: Requester[], decision: 'APPROVE' | 'BLOCK') => {
      const replies = await Promise.all(group.map((r) => r.device.decide(uuid(r), { decision })));
      for (const reply of replies) expect(reply.status, reply.text).toBe(200);
    };
    await decideAll(withFate('approved before the kill'), 'APPROVE');
    await decideAll(withFate('blocked before the kill'), 'BLOCK');
    const early = [...withFate('approved before the kill'), ...withFate('blocked before the kill')];
    await until('the early outcomes to reach their requesters', () => early.every((r) => r.settled !== null));

    // The kill: blocks on their way while the process dies. The first half is sent a moment earlier (most of it
    // lands and is answered), the second half just before the kill (cut off, or landed with the answer lost).
    // Either way a block is whole or absent, never half done.
    const block = (r: Requester) =>
      r.device.decide(uuid(r), { decision: 'BLOCK' }).then(
        (reply) => reply.status,
        () => 'no answer' as const,
      );
    const cutOff = withFate('blocked in flight at the kill');
    const firstHalf = cutOff.slice(0, cutOff.length / 2).map(block);
    await Promise.race(firstHalf);
    const inFlight = [...firstHalf, ...cutOff.slice(cutOff.length / 2).map(block)];
    await server.stop('SIGKILL');
    const inFlightAnswers = await Promise.all(inFlight);
    const inFlightCounts: Record<string, number> = {};
    for (const answer of inFlightAnswers) inFlightCounts[String(answer)] = (inFlightCounts[String(answer)] ?? 0) + 1;
    for (const answer of inFlightAnswers) expect([200, 'no answer']).toContain(answer);
    const acknowledged = cutOff.filter((_, i) => inFlightAnswers[i] === 200);

    server = await startServerProcess({ ...serverOptions, port: server.port });

    // Reconnecting devices are sent exactly what is still PENDING: nothing decided before the kill comes back.
    const stillPending = new Set(
      (await query<{ uuid: string }>(dbPath, "SELECT uuid FROM session_requests WHERE status = 'PENDING'")).map(
        (r) => r.uuid,
      ),
    );
    const mustBePending = requesters.filter((r) =>
      ['approved after the restart', 'blocked after the restart', 'left to expire'].includes(r.fate),
    );
    for (const r of mustBePending) expect(stillPending.has(uuid(r))).toBe(true);
    // A decision the server acknowledged before it died survived the kill.
    for (const r of [...early, ...acknowledged]) expect(stillPending.has(uuid(r))).toBe(false);
    const resent = new Set<string>();
    for (const device of devices) {
      const stream = await device.connect();
      streams.push(stream);
      await stream.next('hello');
      const expected = requesters.filter((r) => r.device === device && stillPending.has(uuid(r))).length;
      for (let n = 0; n < expected; n++) resent.add((await stream.next('approval.requested')).request.uuid);
    }
    expect(resent).toEqual(stillPending);

    // After the restart: the cut-off blocks are sent again (409 if they had landed), the rest decided.
    for (const r of withFate('blocked in flight at the kill')) {
      const reply = await r.device.decide(uuid(r), { decision: 'BLOCK' });
      expect([200, 409], reply.text).toContain(reply.status);
    }
    await decideAll(withFate('approved after the restart'), 'APPROVE');
    await decideAll(withFate('blocked after the restart'), 'BLOCK');

    // Every requester ends as planned; the expiry group when its lifetime runs out.
    await Promise.all(results);
    const outcomes: Record<string, number> = {};
    const tokens = new Set<string>();
    for (const r of requesters) {
      const result = r.settled;
      if (result instanceof Error) throw new Error(`requester ${r.index} (${r.fate}) failed: ${result.message}`);
      expect(result?.status, `requester ${r.index} (${r.fate})`).toBe(EXPECTED[r.fate]);
      outcomes[result!.status] = (outcomes[result!.status] ?? 0) + 1;
      if (result?.status === 'ACCEPTED') tokens.add(result.token);
    }

    // The database agrees: one row per request, one session per approval, each token handed out once.
    const rows = await query<{ uuid: string; status: string; token_delivered: number; session_id: number | null }>(
      dbPath,
      'SELECT uuid, status, token_delivered, session_id FROM session_requests',
    );
    const byUuid = new Map(rows.map((row) => [row.uuid, row]));
    const lost = requesters.filter((r) => byUuid.get(uuid(r))?.status !== EXPECTED[r.fate]).length;
    expect(lost).toBe(0);
    const doubled = rows.length - requesters.length;
    expect(doubled).toBe(0);
    const accepted = requesters.filter((r) => EXPECTED[r.fate] === 'ACCEPTED');
    const sessions = await query<{ id: number; credential_id: number }>(
      dbPath,
      'SELECT id, credential_id FROM sessions',
    );
    expect(sessions).toHaveLength(accepted.length);
    expect(tokens.size).toBe(accepted.length);
    for (const r of requesters) {
      const row = byUuid.get(uuid(r))!;
      if (EXPECTED[r.fate] === 'ACCEPTED') expect(row.token_delivered && row.session_id).toBeTruthy();
      else expect({ delivered: row.token_delivered, session: row.session_id }).toEqual({ delivered: 0, session: null });
    }

    // Another read with the key but without the requester's claim (the library binds every request to one) gets
    // nothing: no status, no token; each token is live for its own key.
    let deliveredTwice = 0;
    for (const r of accepted) {
      const read = await http(`${server.url}/v1/session-server-request/${uuid(r)}`, {
        headers: { 'x-bunq-client-authentication': r.apiKey },
      });
      expect(read.status).toBe(403);
      if (read.text.includes('"Token"')) deliveredTwice += 1;
      const result = r.settled as Extract<OpenSessionResult, { status: 'ACCEPTED' }>;
      const introspected = await http(`${server.url}/v1/session-server/introspect`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TEST_INTROSPECTION_SECRET}` },
        body: { token: result.token },
      });
      expect(introspected.json as IntrospectResult).toMatchObject({ active: true, credential_id: r.credentialId });
    }
    expect(deliveredTwice).toBe(0);

    return {
      requests: options.requests,
      users: userCount,
      outcomes,
      lost,
      doubled,
      tokens_delivered: tokens.size,
      tokens_delivered_twice: deliveredTwice,
      in_flight_decisions: inFlightCounts,
      resent_after_restart: resent.size,
      seconds: Math.round((Date.now() - startedAt) / 100) / 10,
    };
  } finally {
    for (const stream of streams) await stream.close().catch(() => {});
    await server.stop('SIGKILL');
    await admin.close();
    await database.remove();
  }
}
