import type { Database } from 'better-sqlite3';
import type { TotpRepository } from '../types.js';
import type { Exec } from './gate.js';

export function sqliteTotp(db: Database, exec: Exec): TotpRepository {
  const setSecret = db.prepare('UPDATE devices SET totp_secret_sealed = ? WHERE id = ?');
  const secretsOfUser = db.prepare(
    `SELECT id AS deviceId, totp_secret_sealed AS sealed FROM devices
     WHERE user_id = ? AND revoked IS NULL AND totp_secret_sealed IS NOT NULL ORDER BY id`,
  );
  const spendStep = db.prepare(
    'INSERT INTO used_totp_steps (device_id, step, used_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const prune = db.prepare('DELETE FROM used_totp_steps WHERE used_at < ?');
  return {
    setSecret: (deviceId, sealed) =>
      exec(() => {
        setSecret.run(sealed, deviceId);
      }),
    secretsOfUser: (userId) => exec(() => secretsOfUser.all(userId) as { deviceId: number; sealed: string }[]),
    spendStep: (deviceId, step, now) => exec(() => spendStep.run(deviceId, step, now).changes === 1),
    pruneUsedStepsOlderThan: (time) =>
      exec(() => {
        prune.run(time);
      }),
  };
}
