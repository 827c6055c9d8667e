import type { Database } from 'better-sqlite3';
import type { SessionRepository, SessionRow } from '../types.js';
import type { Exec } from './gate.js';

const COLUMNS =
  'id, token_hash AS tokenHash, credential_id AS credentialId, user_id AS userId, ip, created, expires, ended';

export function sqliteSessions(db: Database, exec: Exec): SessionRepository {
  const insert = db.prepare(
    `INSERT INTO sessions (token_hash, credential_id, user_id, ip, created, expires)
     VALUES (@tokenHash, @credentialId, @userId, @ip, @created, @expires) RETURNING ${COLUMNS}`,
  );
  const byId = db.prepare(`SELECT ${COLUMNS} FROM sessions WHERE id = ?`);
  const byTokenHash = db.prepare(`SELECT ${COLUMNS} FROM sessions WHERE token_hash = ?`);
  const end = db.prepare('UPDATE sessions SET ended = ? WHERE id = ? AND ended IS NULL');
  const endAllOfCredential = db.prepare('UPDATE sessions SET ended = ? WHERE credential_id = ? AND ended IS NULL');
  return {
    create: (session) => exec(() => insert.get(session) as SessionRow),
    byId: (id) => exec(() => (byId.get(id) as SessionRow | undefined) ?? null),
    byTokenHash: (hash) => exec(() => (byTokenHash.get(hash) as SessionRow | undefined) ?? null),
    end: (id, now) =>
      exec(() => {
        end.run(now, id);
      }),
    endAllOfCredential: (credentialId, now) =>
      exec(() => {
        endAllOfCredential.run(now, credentialId);
      }),
  };
}
