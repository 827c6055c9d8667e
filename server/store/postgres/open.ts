// Opens the server's PostgreSQL database (several server instances share it): a connection pool whose bigints come
// back as numbers (ids and millisecond times stay far below 2^53), and the migrations, run by one instance at a
// time under an advisory lock so that instances starting together do not race to create tables.
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import type { Db } from '../kysely/db.js';
import { repositories } from '../kysely/index.js';
import { presence } from '../kysely/presence.js';
import { rateCounts } from '../kysely/rate-counts.js';
import type { Schema } from '../schema.js';
import { runTransaction, TransactionGuard, type TransactionRules } from '../transaction.js';
import type { Store } from '../types.js';
import { migrations } from './migrations.js';
import { BEGIN, namingPool } from './named-statements.js';

export interface PostgresStoreOptions {
  /** Connections in the pool (default 10). */
  poolSize?: number;
  /** An idle pooled connection failed (the database restarted, say); the pool replaces it on next use. */
  onConnectionError?: (error: Error) => void;
}

const INT8_OID = 20;
/** Any fixed number: the key of the advisory lock the migrations run under ("CSGN"). */
const MIGRATION_LOCK = 0x4353474e;
const SERIALIZATION_FAILURE = '40001';
const DEADLOCK_DETECTED = '40P01';

// READ COMMITTED (PostgreSQL's default) with the key's row held by the rules that need it. SERIALIZABLE was
// tried first: it needs no holds, but it tracks reads by index page and table, so requests for unrelated keys
// collided too (3 in 10 transactions rolled back under a 16-requester load, and some ran out of retries).
const RULES: TransactionRules = {
  kind: 'postgres',
  // Held back by the pool and sent with the transaction's first statement (named-statements.ts).
  begin: BEGIN,
  isRetryable: (error) => {
    const code = (error as { code?: unknown } | null)?.code;
    return code === SERIALIZATION_FAILURE || code === DEADLOCK_DETECTED;
  },
  maxAttempts: 30,
  // One simple-protocol query (no parameters, so several statements may go together), one statement per
  // notification so that they go in order. One that fails (a payload too long) aborts the transaction, the COMMIT
  // after it does not run, and the runner rolls back.
  notifyAndCommit: (notifications) =>
    `${notifications
      .map(({ channel, payload }) => `SELECT pg_notify(${pg.escapeLiteral(channel)}, ${pg.escapeLiteral(payload)}); `)
      .join('')}COMMIT`,
};

const types = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') =>
    oid === INT8_OID
      ? (value: string) => Number(value)
      : pg.types.getTypeParser(oid, format)) as typeof pg.types.getTypeParser,
};

async function migrate(db: Db): Promise<void> {
  await db.connection().execute(async (connection) => {
    await sql`BEGIN`.execute(connection);
    try {
      await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK})`.execute(connection);
      await sql`CREATE TABLE IF NOT EXISTS countersign_schema (version integer PRIMARY KEY, applied bigint NOT NULL)`.execute(
        connection,
      );
      const { rows } = await sql<{
        version: number | null;
      }>`SELECT max(version) AS version FROM countersign_schema`.execute(connection);
      const version = rows[0]?.version ?? 0;
      if (version > migrations.length) {
        throw new Error(
          `The database is at schema version ${version}, newer than this server knows (${migrations.length}). ` +
            'Use a newer countersign-server.',
        );
      }
      for (let next = version; next < migrations.length; next += 1) {
        await sql.raw(migrations[next]!).execute(connection);
        await sql`INSERT INTO countersign_schema (version, applied) VALUES (${next + 1}, ${Date.now()})`.execute(
          connection,
        );
      }
      await sql`COMMIT`.execute(connection);
    } catch (error) {
      await sql`ROLLBACK`.execute(connection).catch(() => undefined);
      throw error;
    }
  });
}

export async function openPostgresStore(url: string, options: PostgresStoreOptions = {}): Promise<Store> {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, types });
  // Without a listener an idle connection's error would end the process.
  pool.on('error', (error) => options.onConnectionError?.(error));
  const db = new Kysely<Schema>({ dialect: new PostgresDialect({ pool: namingPool(pool) }) });
  try {
    await migrate(db);
  } catch (error) {
    await db.destroy();
    throw error;
  }
  let closing: Promise<void> | null = null;
  const guard = new TransactionGuard();
  const own = guard.guard(repositories(db, 'postgres'));
  const shared = guard.guard({ rateCounts: rateCounts(db), presence: presence(db) });
  return {
    kind: 'postgres',
    ...own,
    ...shared,
    read: async (work) => {
      guard.check();
      return work(own);
    },
    write: async (work) => {
      guard.check();
      return work(own);
    },
    transaction: (work) => runTransaction(db, RULES, work, guard),
    close: () => {
      closing ??= db.destroy();
      return closing;
    },
  };
}
