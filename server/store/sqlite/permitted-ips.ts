import type { Database } from 'better-sqlite3';
import type { PermittedIpRepository, PermittedIpRow } from '../types.js';
import type { Exec } from './gate.js';

const COLUMNS = 'id, credential_id AS credentialId, ip, status, created, updated';

export function sqlitePermittedIps(db: Database, exec: Exec): PermittedIpRepository {
  const insert = db.prepare(
    `INSERT INTO permitted_ips (credential_id, ip, status, created, updated) VALUES (?, ?, ?, ?, ?) RETURNING ${COLUMNS}`,
  );
  const byId = db.prepare(`SELECT ${COLUMNS} FROM permitted_ips WHERE id = ?`);
  const byCredential = db.prepare(`SELECT ${COLUMNS} FROM permitted_ips WHERE credential_id = ? ORDER BY id`);
  const setStatus = db.prepare('UPDATE permitted_ips SET status = ?, updated = ? WHERE id = ?');
  return {
    create: (credentialId, ip, status, now) =>
      exec(() => insert.get(credentialId, ip, status, now, now) as PermittedIpRow),
    byId: (id) => exec(() => (byId.get(id) as PermittedIpRow | undefined) ?? null),
    listByCredential: (credentialId) => exec(() => byCredential.all(credentialId) as PermittedIpRow[]),
    setStatus: (id, status, now) =>
      exec(() => {
        setStatus.run(status, now, id);
      }),
  };
}
