// Retention: the sweeper deletes what the server no longer needs — request history older than historyDays (never a
// PENDING request), sessions once ended or expired, pairing codes once used or expired, used TOTP steps once no
// code of theirs could still be accepted — and keeps everything else. Rows are made by real calls; where a test
// needs a row to be old, it moves that row's time back in the database, as the calendar would have.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { IntrospectResult } from '../../protocol/index.js';
import { hashSecret } from '../../server/secrets.js';
import { TestDevice } from '../support/device.js';
import { queryUrl } from '../support/postgres.js';
import { http, storeOf } from '../support/server.js';
import {
  countRows,
  createKey,
  eventually,
  openedAttempt,
  pendingAttempt,
  queryDb,
  type World,
  world,
} from './helpers.js';

const DAY_MS = 86_400_000;
/** Prune at every sweep (500 ms) instead of every 30 s. */
const PRUNE_OFTEN = { pruneIntervalMs: 1 };

let w: World;
afterEach(async () => w.close());

/** One write beside the running server (? for parameters on both stores), as an operator's SQL would be. */
async function writeDb(sql: string, ...params: unknown[]): Promise<void> {
  const db = w.server.db;
  if (storeOf(db) === 'postgres') {
    let n = 0;
    await queryUrl(
      db,
      sql.replace(/\?/g, () => `$${++n}`),
      params,
    );
    return;
  }
  const file = new Database(db, { fileMustExist: true });
  try {
    file.pragma('busy_timeout = 5000');
    file.prepare(sql).run(...params);
  } finally {
    file.close();
  }
}

/** Waits until the sweeper has pruned what the check counts (a prune runs at every sweep here). */
const until = (check: () => Promise<boolean>) => eventually(async () => (await check()) || undefined);

describe('retention', () => {
  it('deletes history older than historyDays, keeps younger history and every PENDING request', async () => {
    w = await world({ historyDays: 7, ...PRUNE_OFTEN });
    const ipOnly = await createKey(w, 'ip-only', { ips: ['127.0.0.1'] });
    const push = await createKey(w, 'push');
    const opened = async () => (await openedAttempt(w.server, ipOnly.api_key)).Response[0].Id.id;
    const requestOf = async (sessionId: number) =>
      (
        await queryDb<{ uuid: string }>(w.server, 'SELECT uuid FROM session_requests WHERE session_id = ?', sessionId)
      )[0]!.uuid;
    const oldUuid = await requestOf(await opened());
    const youngUuid = await requestOf(await opened());
    const pending = await pendingAttempt(w.server, push.api_key);
    // Eight days back for one finished request and the PENDING one (its expiry stays ahead); six for the other.
    await writeDb(
      'UPDATE session_requests SET created = created - ? WHERE uuid IN (?, ?)',
      8 * DAY_MS,
      oldUuid,
      pending.uuid,
    );
    await writeDb('UPDATE session_requests SET created = created - ? WHERE uuid = ?', 6 * DAY_MS, youngUuid);

    await until(async () => (await countRows(w.server, 'session_requests', 'uuid = ?', oldUuid)) === 0);
    const left = await queryDb<{ uuid: string; status: string }>(w.server, 'SELECT uuid, status FROM session_requests');
    expect(left.map((row) => row.uuid).sort()).toEqual([youngUuid, pending.uuid].sort());
    expect(left.find((row) => row.uuid === pending.uuid)?.status).toBe('PENDING');
  });

  it('deletes sessions once ended or expired; a live session stays and still introspects as active', async () => {
    w = await world(PRUNE_OFTEN);
    const key = await createKey(w, 'ip-only', { ips: ['127.0.0.1'] });
    const open = async () => {
      const opened = await openedAttempt(w.server, key.api_key);
      return { id: opened.Response[0].Id.id, token: opened.Response[1].Token.token };
    };
    const ended = await open();
    const expired = await open();
    const live = await open();
    const end = await http(`${w.server.url}/v1/session-server/${ended.id}`, {
      method: 'DELETE',
      headers: { 'x-bunq-client-authentication': ended.token },
    });
    expect(end.status, end.text).toBe(200);
    await writeDb('UPDATE sessions SET expires = ? WHERE id = ?', Date.now() - 1_000, expired.id);

    await until(async () => (await countRows(w.server, 'sessions')) === 1);
    expect((await queryDb<{ id: number }>(w.server, 'SELECT id FROM sessions')).map((row) => Number(row.id))).toEqual([
      live.id,
    ]);
    const reply = await http(`${w.server.url}/v1/session-server/introspect`, {
      method: 'POST',
      headers: { authorization: `Bearer ${w.server.introspectionSecret}` },
      body: { token: live.token },
    });
    expect(IntrospectResult.parse(reply.json).active).toBe(true);
  });

  it('deletes pairing codes once used or expired; an unused live code stays and still pairs', async () => {
    w = await world(PRUNE_OFTEN);
    // world() paired its device with one code: that one is used.
    const expired = (await w.server.admin.pair(w.user.name)).code;
    const live = (await w.server.admin.pair(w.user.name)).code;
    await writeDb('UPDATE pairing_codes SET expires = ? WHERE code_hash = ?', Date.now() - 1_000, hashSecret(expired));

    await until(async () => (await countRows(w.server, 'pairing_codes')) === 1);
    expect(await countRows(w.server, 'pairing_codes', 'code_hash = ?', hashSecret(live))).toBe(1);
    const second = await TestDevice.pair(w.server.url, live, 'second-laptop');
    expect(second.id).toBeGreaterThan(0);
  });

  it('deletes used TOTP steps no code could still be accepted for, and keeps recent ones', async () => {
    w = await world(PRUNE_OFTEN);
    const now = Date.now();
    await writeDb(
      'INSERT INTO used_totp_steps (device_id, step, used_at) VALUES (?, ?, ?)',
      w.device.id,
      1,
      now - DAY_MS,
    );
    await writeDb('INSERT INTO used_totp_steps (device_id, step, used_at) VALUES (?, ?, ?)', w.device.id, 2, now);

    await until(async () => (await countRows(w.server, 'used_totp_steps')) === 1);
    const left = await queryDb<{ step: number }>(w.server, 'SELECT step FROM used_totp_steps');
    expect(left.map((row) => Number(row.step))).toEqual([2]);
  });

  // One record per signed call: a busy server has many, so they go in bounded batches, one after another.
  it('deletes replay records older than any still-valid signature, over several batches, and keeps recent ones', async () => {
    w = await world(PRUNE_OFTEN);
    const now = Date.now();
    const old = Array.from({ length: 2_500 }, (_, n) => `(${w.device.id}, 'old-${n}', ${now - DAY_MS})`);
    await writeDb(`INSERT INTO seen_signatures (device_id, signature, seen_at) VALUES ${old.join(', ')}`);
    await writeDb(
      'INSERT INTO seen_signatures (device_id, signature, seen_at) VALUES (?, ?, ?)',
      w.device.id,
      'new',
      now,
    );

    await until(async () => (await countRows(w.server, 'seen_signatures', 'seen_at < ?', now - 60_000)) === 0);
    expect(await countRows(w.server, 'seen_signatures', 'signature = ?', 'new')).toBe(1);
  });
});
