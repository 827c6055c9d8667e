// A device's last_seen: written by a signed call only when the stored time is a minute old or more, so that the
// hot path (every decision, every stream upgrade) does not write it each time, and still right to the minute.
import { afterEach, describe, expect, it } from 'vitest';
import { LAST_SEEN_RESOLUTION_MS } from '../../server/services/devices.js';
import { queryUrl } from '../support/postgres.js';
import { storeOf } from '../support/server.js';
import Database from 'better-sqlite3';
import { queryDb, type World, world } from './helpers.js';

let w: World;
afterEach(async () => w.close());

async function lastSeen(): Promise<number | null> {
  const [row] = await queryDb<{ last_seen: number | string | null }>(
    w.server,
    'SELECT last_seen FROM devices WHERE id = ?',
    w.device.id,
  );
  return row?.last_seen === null || row?.last_seen === undefined ? null : Number(row.last_seen);
}

async function setLastSeen(time: number): Promise<void> {
  if (storeOf(w.server.db) === 'postgres') {
    await queryUrl(w.server.db, 'UPDATE devices SET last_seen = $1 WHERE id = $2', [time, w.device.id]);
    return;
  }
  const file = new Database(w.server.db, { fileMustExist: true });
  try {
    file.pragma('busy_timeout = 5000');
    file.prepare('UPDATE devices SET last_seen = ? WHERE id = ?').run(time, w.device.id);
  } finally {
    file.close();
  }
}

const listDevices = () => w.device.request('GET', `/v1/user/${w.device.userId}/approver-device`);

describe('last_seen', () => {
  it('is written by a signed call when a minute old or more, and not again within the minute', async () => {
    w = await world();
    // The stream upgrade in world() was a signed call: last_seen is set.
    const first = await lastSeen();
    expect(first).not.toBeNull();
    expect((await listDevices()).status).toBe(200);
    expect(await lastSeen()).toBe(first);

    const old = Date.now() - LAST_SEEN_RESOLUTION_MS - 1_000;
    await setLastSeen(old);
    const before = Date.now();
    expect((await listDevices()).status).toBe(200);
    expect(await lastSeen()).toBeGreaterThanOrEqual(before);
  });
});
