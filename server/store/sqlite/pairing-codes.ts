import type { Database } from 'better-sqlite3';
import type { PairingCodeRepository, PairingCodeRow } from '../types.js';
import type { Exec } from './gate.js';

export function sqlitePairingCodes(db: Database, exec: Exec): PairingCodeRepository {
  const insert = db.prepare(
    'INSERT INTO pairing_codes (code_hash, user_id, created, expires) VALUES (@codeHash, @userId, @created, @expires)',
  );
  // Single use: only an unused, unexpired code is spent, and only once even if two pairings race.
  const consume = db.prepare(
    `UPDATE pairing_codes SET used_at = @now WHERE code_hash = @codeHash AND used_at IS NULL AND expires > @now
     RETURNING code_hash AS codeHash, user_id AS userId, created, expires, used_at AS usedAt`,
  );
  return {
    create: (code) =>
      exec(() => {
        insert.run(code);
      }),
    consume: (codeHash, now) => exec(() => (consume.get({ codeHash, now }) as PairingCodeRow | undefined) ?? null),
  };
}
