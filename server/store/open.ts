// `--db` names either a database file (embedded SQLite, the default) or a PostgreSQL URL (several server instances
// on one database). Everything above the store is the same for both.
import { openPostgresStore, type PostgresStoreOptions } from './postgres/open.js';
import { openSqliteStore, type SqliteStoreOptions } from './sqlite/open.js';
import type { Store } from './types.js';

export function isPostgresUrl(db: string): boolean {
  return /^postgres(ql)?:\/\//i.test(db);
}

/** The database as it may be shown in logs: a URL's password replaced by ***. */
export function describeDb(db: string): string {
  if (!isPostgresUrl(db)) return db;
  try {
    const url = new URL(db);
    if (url.password) url.password = '***';
    return url.toString();
  } catch {
    return 'postgres://(unreadable URL)';
  }
}

/** Each store takes its own options and ignores the other's. */
export async function openStore(db: string, options: PostgresStoreOptions & SqliteStoreOptions = {}): Promise<Store> {
  return isPostgresUrl(db) ? openPostgresStore(db, options) : openSqliteStore(db, options);
}
