// A fresh PostgreSQL database for one benchmark, on the cluster that scripts/with-postgres.sh starts (the bench npm
// script runs under it): created empty, dropped afterwards, so nothing from an earlier run is read or measured.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import pg from 'pg';

export interface BenchDatabase {
  /** postgres://… of the new database (same user and cluster as COUNTERSIGN_TEST_PG). */
  url: string;
  /** Drops it, ending any connection a server left open. Safe to call twice. */
  drop(): Promise<void>;
  /** Transactions committed and rolled back in it so far (read once the counts stop moving), and sessions opened. */
  totals(): Promise<DatabaseTotals>;
}

export interface DatabaseTotals {
  committed: number;
  rolledBack: number;
  sessions: number;
}

/** The cluster's superuser URL, or a sentence that says how to get one. */
export function clusterUrl(): string {
  const url = process.env.COUNTERSIGN_TEST_PG;
  if (!url) {
    throw new Error(
      'COUNTERSIGN_TEST_PG is not set: run the scale-out benchmark through `npm run bench` (which starts a ' +
        'throwaway PostgreSQL with scripts/with-postgres.sh), or set it to a superuser URL.',
    );
  }
  return url;
}

/** One statement on a short-lived connection: nothing stays open to the cluster between benchmarks. */
async function run(url: string, statement: string): Promise<pg.QueryResultRow[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return (await client.query(statement)).rows;
  } finally {
    await client.end();
  }
}

/**
 * The cluster's postmaster, whose process tree is PostgreSQL's whole CPU use; null when it is not on this machine
 * or its data directory cannot be read (a developer's own cluster), and the figures then go without it.
 */
export async function postmasterPid(): Promise<number | null> {
  try {
    const [row] = await run(clusterUrl(), 'SHOW data_directory');
    const first = (await readFile(join(String(row?.data_directory), 'postmaster.pid'), 'utf8')).split('\n')[0];
    const pid = Number(first);
    if (!Number.isInteger(pid) || pid <= 0) return null;
    // A remote cluster's path could name something here: only a live local postgres counts.
    return (await readFile(`/proc/${pid}/comm`, 'utf8')).trim() === 'postgres' ? pid : null;
  } catch {
    return null;
  }
}

/**
 * A backend reports its transaction counts to pg_stat_database at most once a second, and at the latest when it
 * exits: read after the servers have stopped, and again until two readings agree. Read through the cluster's own
 * database, since a reading from the bench database would itself count there. The sessions are counted last.
 */
async function settledTotals(cluster: string, url: string, name: string): Promise<DatabaseTotals> {
  const read = async () => {
    const [stats] = await run(
      cluster,
      `SELECT xact_commit, xact_rollback FROM pg_stat_database WHERE datname = '${name}'`,
    );
    return { committed: Number(stats?.xact_commit), rolledBack: Number(stats?.xact_rollback) };
  };
  let last = await read();
  for (let attempt = 0; attempt < 10; attempt += 1) {
    await new Promise((resolve) => setTimeout(resolve, 300));
    const next = await read();
    const settled = next.committed === last.committed && next.rolledBack === last.rolledBack;
    last = next;
    if (settled) break;
  }
  const [sessions] = await run(url, 'SELECT count(*) AS n FROM sessions');
  return { ...last, sessions: Number(sessions?.n) };
}

export async function createBenchDatabase(): Promise<BenchDatabase> {
  const cluster = clusterUrl();
  // Lower-case letters and digits: a name that needs no quoting.
  const name = `countersign_bench_${randomBytes(6).toString('hex')}`;
  await run(cluster, `CREATE DATABASE ${name}`);
  const url = new URL(cluster);
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    url: url.toString(),
    totals: () => settledTotals(cluster, url.toString(), name),
    drop: async () => {
      if (dropped) return;
      dropped = true;
      // WITH (FORCE) (PostgreSQL 13+): a server killed mid-run may still hold connections.
      await run(cluster, `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    },
  };
}
