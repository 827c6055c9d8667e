// Test databases on the throwaway PostgreSQL cluster of scripts/with-postgres.sh: one fresh database per test server,
// dropped afterwards, so tests running side by side never see each other's rows.
import { randomBytes } from 'node:crypto';
import pg from 'pg';

export type TestStoreKind = 'sqlite' | 'postgres';

/** Which store the server tests run against: COUNTERSIGN_TEST_STORE (the server-postgres project sets it), else SQLite. */
export function testStoreKind(): TestStoreKind {
  const kind = process.env.COUNTERSIGN_TEST_STORE ?? 'sqlite';
  if (kind !== 'sqlite' && kind !== 'postgres') {
    throw new Error(`COUNTERSIGN_TEST_STORE must be "sqlite" or "postgres" (got "${kind}").`);
  }
  return kind;
}

/** The superuser URL of the test cluster; a clear error when the tests were not started under with-postgres.sh. */
export function testClusterUrl(): string {
  const url = process.env.COUNTERSIGN_TEST_PG;
  if (!url) {
    throw new Error(
      'COUNTERSIGN_TEST_PG is not set: run PostgreSQL tests under scripts/with-postgres.sh ' +
        '(e.g. bash scripts/with-postgres.sh npx vitest run --project server-postgres), ' +
        'or set it to a superuser URL such as postgres://postgres@127.0.0.1:5432/postgres.',
    );
  }
  return url;
}

/** Runs one statement on a short-lived connection (no pool: nothing is left open between tests). */
export async function queryUrl<T extends pg.QueryResultRow>(
  url: string,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query<T>(sql, params)).rows;
  } finally {
    await client.end();
  }
}

export interface TestDatabase {
  /** postgres://… of the new, empty database (same user and cluster as COUNTERSIGN_TEST_PG). */
  url: string;
  /** Drops the database, ending any connection still open to it. Safe to call twice. */
  drop(): Promise<void>;
}

/** A fresh, empty database on the test cluster. */
export async function createTestDatabase(): Promise<TestDatabase> {
  const cluster = testClusterUrl();
  // Lower case letters and digits only: a name that needs no quoting anywhere (psql, URLs, logs).
  const name = `countersign_test_${randomBytes(8).toString('hex')}`;
  await queryUrl(cluster, `CREATE DATABASE ${name}`);
  const url = new URL(cluster);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      // A pool's end() resolves before its connections have closed: give those a moment to go on their own, so
      // that FORCE does not send "terminating connection" to a client that is still closing (one without an error
      // listener throws it). One connection for the wait and the drop.
      const admin = new pg.Client({ connectionString: cluster });
      await admin.connect();
      try {
        for (let waited = 0; waited < 500; waited += 20) {
          const { rows } = await admin.query<{ n: number }>(
            'SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1',
            [name],
          );
          if (rows[0]?.n === 0) break;
          await new Promise((resume) => setTimeout(resume, 20));
        }
        // WITH (FORCE) (PostgreSQL 13+) ends a server's or admin's connection that a failed test left open.
        await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await admin.end();
      }
    },
  };
}
