// Looking at a server database from outside, as an operator or an attacker with the file would: a snapshot of
// every table to prove that refused requests changed nothing, and a byte scan for secrets in clear. The database
// is a SQLite file or a postgres:// URL (the hardening suite runs on both stores); queries are written with ? for
// parameters, and PostgreSQL's bigints come back as numbers, as SQLite's integers do.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { storeOf } from '../../support/server.js';

const INT8_OID = 20;
const numbersForBigints = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

/**
 * What the protocol writes on every authenticated device call, refused or not, by design: the signature is
 * remembered against replay (table seen_signatures), the device's last_seen is updated, and on PostgreSQL a refused
 * call counts toward its address's limit in the shared table rate_limits. Also left out: the heartbeat every
 * PostgreSQL instance writes on its own clock (server_instances.heartbeat_at, every few seconds, whether or not
 * anybody calls), which may tick between two snapshots. Everything else must stay as it was when a request is
 * refused.
 */
export const ALLOWED_WRITES = {
  tables: ['seen_signatures', 'rate_limits'],
  columns: { devices: ['last_seen'], server_instances: ['heartbeat_at'] },
} as const;

export type Snapshot = Record<string, Record<string, unknown>[]>;

/** Every row of every table (minus ALLOWED_WRITES), read through a connection of its own. */
export async function snapshot(db: string): Promise<Snapshot> {
  const tables =
    storeOf(db) === 'postgres'
      ? await query<{ name: string }>(
          db,
          "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = 'public' ORDER BY 1",
        )
      : await query<{ name: string }>(db, "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name");
  const result: Snapshot = {};
  for (const { name } of tables) {
    if ((ALLOWED_WRITES.tables as readonly string[]).includes(name)) continue;
    const skip = (ALLOWED_WRITES.columns as Record<string, readonly string[]>)[name] ?? [];
    // Sorted by content, not rowid: WITHOUT ROWID tables have none, and PostgreSQL's order is not stable.
    result[name] = (await query<Record<string, unknown>>(db, `SELECT * FROM "${name}"`))
      .map((row) => JSON.stringify(Object.entries(row).filter(([column]) => !skip.includes(column))))
      .sort()
      .map((entries) => Object.fromEntries(JSON.parse(entries) as [string, unknown][]));
  }
  return result;
}

/** "" when equal, else the first difference in words (for an assertion message). */
export function snapshotDifference(before: Snapshot, after: Snapshot): string {
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const a = before[table] ?? [];
    const b = after[table] ?? [];
    if (a.length !== b.length) return `${table}: ${a.length} rows before, ${b.length} after`;
    for (let i = 0; i < a.length; i++) {
      if (JSON.stringify(a[i]) !== JSON.stringify(b[i])) {
        return `${table} row ${i}: ${JSON.stringify(a[i])} became ${JSON.stringify(b[i])}`;
      }
    }
  }
  return '';
}

/** Rows of one query through a connection of its own (read-only on SQLite). */
export async function query<T>(db: string, sql: string, ...params: unknown[]): Promise<T[]> {
  if (storeOf(db) === 'postgres') {
    const client = new pg.Client({ connectionString: db, types: numbersForBigints });
    await client.connect();
    try {
      let n = 0;
      return (
        await client.query(
          sql.replace(/\?/g, () => `$${++n}`),
          params,
        )
      ).rows as T[];
    } finally {
      await client.end();
    }
  }
  const file = new Database(db, { readonly: true, fileMustExist: true });
  try {
    return file.prepare(sql).all(...params) as T[];
  } finally {
    file.close();
  }
}

export interface Secret {
  label: string;
  value: string;
  /** The bytes the value encodes (a private key seed, a TOTP secret): looked for too, in every encoding. */
  raw?: Buffer;
}

export interface Finding {
  label: string;
  form: string;
  file: string;
}

/** Every encoding a secret could be written in: as text (UTF-8, UTF-16), hex and base64 of it, and of its bytes. */
function forms(secret: Secret): { form: string; bytes: Buffer }[] {
  const text = Buffer.from(secret.value, 'utf8');
  const list: { form: string; bytes: Buffer }[] = [
    { form: 'utf8', bytes: text },
    { form: 'utf16le', bytes: Buffer.from(secret.value, 'utf16le') },
    { form: 'hex of text', bytes: Buffer.from(text.toString('hex')) },
    { form: 'base64 of text', bytes: Buffer.from(text.toString('base64').replace(/=+$/, '')) },
    { form: 'base64url of text', bytes: Buffer.from(text.toString('base64url')) },
  ];
  const raw = secret.raw;
  if (raw) {
    list.push(
      { form: 'raw bytes', bytes: raw },
      { form: 'hex of bytes', bytes: Buffer.from(raw.toString('hex')) },
      { form: 'HEX of bytes', bytes: Buffer.from(raw.toString('hex').toUpperCase()) },
      { form: 'base64 of bytes', bytes: Buffer.from(raw.toString('base64').replace(/=+$/, '')) },
      { form: 'base64url of bytes', bytes: Buffer.from(raw.toString('base64url')) },
    );
  }
  return list;
}

/** Every regular file under the given paths (files or directories). */
export function filesUnder(...paths: string[]): string[] {
  const files: string[] = [];
  for (const path of paths) {
    if (!existsSync(path)) continue;
    if (statSync(path).isDirectory()) files.push(...filesUnder(...readdirSync(path).map((name) => join(path, name))));
    else files.push(path);
  }
  return files;
}

/** Where any secret occurs, in any of its encodings, in the raw bytes of the files. */
export function scanForSecrets(files: readonly string[], secrets: readonly Secret[]): Finding[] {
  const findings: Finding[] = [];
  for (const file of files) {
    const bytes = readFileSync(file);
    for (const secret of secrets) {
      for (const { form, bytes: needle } of forms(secret)) {
        if (bytes.includes(needle)) findings.push({ label: secret.label, form, file });
      }
    }
  }
  return findings;
}
