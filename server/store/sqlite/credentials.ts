import type { Database } from 'better-sqlite3';
import type { CredentialChanges, CredentialRepository, CredentialRow } from '../types.js';
import type { Exec } from './gate.js';

const COLUMNS = `c.id, c.user_id, c.name, c.key_hash, c.mode, c.number_matching, c.status, c.created, c.updated,
  c.expiry_time, c.last_used, c.permitted_device_description, c.permitted_device_ip, c.blocks_counted_since,
  c.allow_code_fallback, (SELECT COUNT(*) FROM permitted_ips p WHERE p.credential_id = c.id) AS permitted_ip_count`;

interface Raw {
  id: number;
  user_id: number;
  name: string;
  key_hash: string;
  mode: CredentialRow['mode'];
  number_matching: number;
  status: CredentialRow['status'];
  created: number;
  updated: number;
  expiry_time: number | null;
  last_used: number | null;
  permitted_device_description: string | null;
  permitted_device_ip: string | null;
  blocks_counted_since: number;
  permitted_ip_count: number;
  allow_code_fallback: number;
}

function row(raw: Raw): CredentialRow {
  return {
    id: raw.id,
    userId: raw.user_id,
    name: raw.name,
    keyHash: raw.key_hash,
    mode: raw.mode,
    numberMatching: raw.number_matching === 1,
    status: raw.status,
    created: raw.created,
    updated: raw.updated,
    expiryTime: raw.expiry_time,
    lastUsed: raw.last_used,
    permittedDeviceDescription: raw.permitted_device_description,
    permittedDeviceIp: raw.permitted_device_ip,
    blocksCountedSince: raw.blocks_counted_since,
    permittedIpCount: raw.permitted_ip_count,
    allowCodeFallback: raw.allow_code_fallback === 1,
  };
}

// Column of each changeable field; update() only ever names columns from this map, never caller text.
const CHANGE_COLUMNS: Record<keyof CredentialChanges, string> = {
  status: 'status',
  mode: 'mode',
  name: 'name',
  numberMatching: 'number_matching',
  expiryTime: 'expiry_time',
  lastUsed: 'last_used',
  permittedDeviceDescription: 'permitted_device_description',
  permittedDeviceIp: 'permitted_device_ip',
  blocksCountedSince: 'blocks_counted_since',
  allowCodeFallback: 'allow_code_fallback',
  updated: 'updated',
};

export function sqliteCredentials(db: Database, exec: Exec): CredentialRepository {
  const insert = db.prepare(
    `INSERT INTO credentials (user_id, name, key_hash, mode, number_matching, status, created, updated, expiry_time,
       allow_code_fallback)
     VALUES (?, ?, ?, ?, ?, 'PENDING_FIRST_USE', ?, ?, ?, ?) RETURNING id`,
  );
  const byId = db.prepare(`SELECT ${COLUMNS} FROM credentials c WHERE c.id = ?`);
  const byKeyHash = db.prepare(`SELECT ${COLUMNS} FROM credentials c WHERE c.key_hash = ?`);
  const byUser = db.prepare(`SELECT ${COLUMNS} FROM credentials c WHERE c.user_id = ? ORDER BY c.id`);
  const read = (id: number) => {
    const raw = byId.get(id) as Raw | undefined;
    return raw ? row(raw) : null;
  };
  return {
    create: (c) =>
      exec(() => {
        const { id } = insert.get(
          c.userId,
          c.name,
          c.keyHash,
          c.mode,
          c.numberMatching ? 1 : 0,
          c.created,
          c.created,
          c.expiryTime,
          c.allowCodeFallback ? 1 : 0,
        ) as { id: number };
        return read(id)!;
      }),
    byId: (id) => exec(() => read(id)),
    byKeyHash: (hash) =>
      exec(() => {
        const raw = byKeyHash.get(hash) as Raw | undefined;
        return raw ? row(raw) : null;
      }),
    listByUser: (userId) => exec(() => (byUser.all(userId) as Raw[]).map(row)),
    update: (id, changes) =>
      exec(() => {
        const entries = Object.entries(changes).filter(([, value]) => value !== undefined) as [
          keyof CredentialChanges,
          unknown,
        ][];
        const sets = entries.map(([key]) => `${CHANGE_COLUMNS[key]} = ?`).join(', ');
        const values = entries.map(([, value]) => (typeof value === 'boolean' ? (value ? 1 : 0) : value));
        db.prepare(`UPDATE credentials SET ${sets} WHERE id = ?`).run(...values, id);
      }),
  };
}
