// An empty database of either dialect for a store test: a SQLite file in a temporary folder, or a fresh database on
// the test cluster. Its removal goes on the caller's list of clean-ups (run after each test).
import { join } from 'node:path';
import { createTestDatabase } from '../../support/postgres.js';
import { tempDir } from '../../support/server.js';

export type Cleanups = (() => Promise<void>)[];

/** The new database's reference for openStore: a file path (SQLite) or a postgres:// URL. */
export async function freshDatabase(kind: 'sqlite' | 'postgres', cleanups: Cleanups): Promise<string> {
  if (kind === 'sqlite') {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    return join(dir.path, 'store.db');
  }
  const database = await createTestDatabase();
  cleanups.push(database.drop);
  return database.url;
}
