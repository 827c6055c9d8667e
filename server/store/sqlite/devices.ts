import type { Database } from 'better-sqlite3';
import type { DeviceRepository, DeviceRow } from '../types.js';
import type { Exec } from './gate.js';

const COLUMNS = `d.id, d.user_id AS userId, u.name AS userName, d.name, d.platform, d.public_key AS publicKey, d.created,
  d.last_seen AS lastSeen, d.revoked`;
const FROM = 'FROM devices d JOIN users u ON u.id = d.user_id';

export function sqliteDevices(db: Database, exec: Exec): DeviceRepository {
  const insert = db.prepare(
    `INSERT INTO devices (user_id, name, platform, public_key, created)
     VALUES (@userId, @name, @platform, @publicKey, @created) RETURNING id`,
  );
  const byId = db.prepare(`SELECT ${COLUMNS} ${FROM} WHERE d.id = ?`);
  const byUser = db.prepare(`SELECT ${COLUMNS} ${FROM} WHERE d.user_id = ? AND d.revoked IS NULL ORDER BY d.id`);
  const touch = db.prepare('UPDATE devices SET last_seen = ? WHERE id = ?');
  const revoke = db.prepare('UPDATE devices SET revoked = ? WHERE id = ? AND revoked IS NULL');
  const read = (id: number) => (byId.get(id) as DeviceRow | undefined) ?? null;
  return {
    create: (device) =>
      exec(() => {
        const { id } = insert.get(device) as { id: number };
        return read(id)!;
      }),
    byId: (id) => exec(() => read(id)),
    listByUser: (userId) => exec(() => byUser.all(userId) as DeviceRow[]),
    touch: (id, now) =>
      exec(() => {
        touch.run(now, id);
      }),
    revoke: (id, now) =>
      exec(() => {
        revoke.run(now, id);
      }),
  };
}
