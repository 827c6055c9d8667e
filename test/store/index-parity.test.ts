// The two dialects' schemas carry the same indexes: every (table, columns, unique, partial) that PostgreSQL has,
// SQLite has, and the other way round — primary keys and UNIQUE constraints included, since both back lookups.
// Without this, a query fast on one store scanned a whole table on the other (ending a deactivated key's sessions
// on SQLite did, holding its only write lock).
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../server/store/open.js';
import { createTestDatabase, queryUrl } from '../support/postgres.js';
import { tempDir } from '../support/server.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** "table(col, col)" plus " unique" / " partial": what an index offers a query, whatever it is named. */
const describeIndex = (table: string, columns: string[], unique: boolean, partial: boolean) =>
  `${table}(${columns.join(', ')})${unique ? ' unique' : ''}${partial ? ' partial' : ''}`;

async function migratedSqlite(): Promise<string> {
  const dir = await tempDir();
  cleanups.push(dir.remove);
  const file = join(dir.path, 'parity.db');
  await (await openStore(file)).close();
  return file;
}

function sqliteIndexes(file: string): string[] {
  const db = new Database(file, { readonly: true });
  try {
    const tables = db
      .prepare("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
      .pluck()
      .all() as string[];
    const found: string[] = [];
    for (const table of tables) {
      // An INTEGER PRIMARY KEY is the rowid itself: no index of its own, but the same lookup a primary key gives.
      const rowidKey = (db.pragma(`table_info(${table})`) as { name: string; type: string; pk: number }[]).filter(
        (column) => column.pk > 0,
      );
      const indexes = db.pragma(`index_list(${table})`) as {
        name: string;
        unique: number;
        origin: string;
        partial: number;
      }[];
      if (
        rowidKey.length === 1 &&
        rowidKey[0]!.type.toUpperCase() === 'INTEGER' &&
        !indexes.some((i) => i.origin === 'pk')
      ) {
        found.push(describeIndex(table, [rowidKey[0]!.name], true, false));
      }
      for (const index of indexes) {
        const columns = (db.pragma(`index_info(${index.name})`) as { seqno: number; name: string }[])
          .sort((a, b) => a.seqno - b.seqno)
          .map((column) => column.name);
        found.push(describeIndex(table, columns, index.unique === 1, index.partial === 1));
      }
    }
    return found.sort();
  } finally {
    db.close();
  }
}

async function postgresIndexes(url: string): Promise<string[]> {
  const rows = await queryUrl<{ table: string; columns: string[]; unique: boolean; partial: boolean }>(
    url,
    `SELECT t.relname AS table,
            array_agg(a.attname::text ORDER BY k.ordinality) AS columns,
            i.indisunique AS unique,
            i.indpred IS NOT NULL AS partial
       FROM pg_index i
       JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ordinality)
       JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum = k.attnum
      WHERE n.nspname = 'public' AND t.relname <> 'countersign_schema'
      GROUP BY t.relname, i.indexrelid, i.indisunique, i.indpred`,
  );
  return rows.map((row) => describeIndex(row.table, row.columns, row.unique, row.partial)).sort();
}

describe('schema parity between SQLite and PostgreSQL', () => {
  it('has the same indexes (columns per table, unique, partial) after all migrations', async () => {
    const sqlite = sqliteIndexes(await migratedSqlite());
    const database = await createTestDatabase();
    cleanups.push(database.drop);
    await (await openStore(database.url)).close();
    // Only on PostgreSQL, where several instances share what one SQLite server keeps in memory: the per-address
    // counts (rate_limits) and which instance streams to which approver (approver_presence, server_instances).
    const POSTGRES_ONLY = ['rate_limits(', 'approver_presence(', 'server_instances('];
    const postgres = (await postgresIndexes(database.url)).filter((i) => !POSTGRES_ONLY.some((t) => i.startsWith(t)));
    expect(sqlite).toEqual(postgres);
    // What the parity is for: the lookups that once scanned a table on SQLite.
    expect(sqlite).toEqual(
      expect.arrayContaining(['sessions(credential_id)', 'session_requests(created)', 'devices(revoked)']),
    );
  });

  it('ends a deactivated key’s sessions on SQLite through the index, not by scanning sessions', async () => {
    const db = new Database(await migratedSqlite(), { readonly: true });
    try {
      const plan = db
        .prepare('EXPLAIN QUERY PLAN UPDATE sessions SET ended = ? WHERE credential_id = ? AND ended IS NULL')
        .all(1, 1) as { detail: string }[];
      expect(plan.map((step) => step.detail).join('\n')).toMatch(/USING INDEX sessions_credential/);
    } finally {
      db.close();
    }
  });
});
