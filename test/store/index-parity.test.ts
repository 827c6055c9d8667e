// The two dialects' schemas carry the same indexes: every (table, columns, unique, partial) that PostgreSQL has,
// SQLite has, and the other way round — primary keys and UNIQUE constraints included, since both back lookups.
// Without this, a query fast on one store scanned a whole table on the other (ending a deactivated key's sessions
// on SQLite did, holding its only write lock).
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
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

  // A new request has no decision time and almost never a grant; these indexes leave such rows out, so a request's
  // insert writes neither. Every query through them asks for a value, which implies it is not null.
  const PARTIAL_LOOKUPS = [
    {
      index: 'session_requests_grant',
      sql: 'SELECT session_id FROM session_requests WHERE grant_id = $1 AND session_id IS NOT NULL',
      types: ['bigint'],
    },
    {
      index: 'session_requests_decided',
      sql: "SELECT seq FROM session_requests r WHERE r.created >= $1 OR r.decided_at >= $2 OR (r.status = 'EXPIRED' AND r.expiry_time >= $3)",
      types: ['bigint', 'bigint', 'bigint'],
    },
  ];

  it('leaves requests without a decision time or a grant out of those indexes, and still finds by them', async () => {
    const sqlite = sqliteIndexes(await migratedSqlite());
    expect(sqlite).toEqual(
      expect.arrayContaining(['session_requests(decided_at) partial', 'session_requests(grant_id) partial']),
    );
    const db = new Database(await migratedSqlite(), { readonly: true });
    try {
      for (const lookup of PARTIAL_LOOKUPS) {
        const plan = db
          .prepare(`EXPLAIN QUERY PLAN ${lookup.sql.replace(/\$\d/g, '?')}`)
          .all(...lookup.types.map(() => 1)) as { detail: string }[];
        expect(plan.map((step) => step.detail).join('\n')).toMatch(new RegExp(`USING INDEX ${lookup.index}\\b`));
      }
    } finally {
      db.close();
    }
    // PostgreSQL: usable by the generic plan a named statement settles on (its parameter could be anything, so the
    // planner must prove "not null" from the condition itself). Sequential scans are priced out so that an empty
    // table's cheapest plan does not hide whether the index could be used.
    const database = await createTestDatabase();
    cleanups.push(database.drop);
    await (await openStore(database.url)).close();
    const client = new pg.Client({ connectionString: database.url });
    await client.connect();
    cleanups.push(() => client.end());
    await client.query('SET plan_cache_mode = force_generic_plan');
    await client.query('SET enable_seqscan = off');
    for (const [n, lookup] of PARTIAL_LOOKUPS.entries()) {
      await client.query(`PREPARE lookup${n}(${lookup.types.join(', ')}) AS ${lookup.sql}`);
      const { rows } = await client.query(`EXPLAIN EXECUTE lookup${n}(${lookup.types.map(() => '1').join(', ')})`);
      expect(rows.map((row) => String(row['QUERY PLAN'])).join('\n')).toMatch(new RegExp(`${lookup.index}\\b`));
    }
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
