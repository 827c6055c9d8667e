// Opens (creating when needed) the server's SQLite database: WAL so that countersign-admin can write while the
// server runs, a busy timeout so that the two wait for each other instead of failing, and the migrations. Queries
// go through Kysely (one query layer with PostgreSQL) over a statement cache: Kysely prepares each query's SQL
// text anew, and better-sqlite3 statements are reusable, so the same SQL is prepared once.
import Database from 'better-sqlite3';
import { Kysely, type SqliteDatabase } from 'kysely';
import { repositories } from '../kysely/index.js';
import type { Schema } from '../schema.js';
import { runTransaction, TransactionGuard, type TransactionRules } from '../transaction.js';
import type { Store } from '../types.js';
import { createPrivateFile } from '../../private-files.js';
import {
  BACKSTOP_AUTOCHECKPOINT_PAGES,
  type Checkpointer,
  SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES,
  startCheckpointer,
} from './checkpointer.js';
import { PlanOnceSqliteDialect } from './dialect.js';
import { migrations } from './migrations.js';

const BUSY_TIMEOUT_MS = 5_000;
/** Distinct SQL texts kept prepared; dynamic queries (history filters, key updates) have a few dozen shapes. */
const MAX_CACHED_STATEMENTS = 500;

// BEGIN IMMEDIATE takes the write lock at the start, so a transaction that reads and then writes never fails
// half-way because countersign-admin wrote in between; it waits (busy timeout) instead. Nothing to retry.
const RULES: TransactionRules = { kind: 'sqlite', begin: 'BEGIN IMMEDIATE', isRetryable: () => false, maxAttempts: 1 };

function migrate(db: Database.Database): void {
  const version = db.pragma('user_version', { simple: true }) as number;
  if (version > migrations.length) {
    throw new Error(
      `The database is at schema version ${version}, newer than this server knows (${migrations.length}). ` +
        'Use a newer countersign-server.',
    );
  }
  for (let next = version; next < migrations.length; next += 1) {
    db.transaction(() => {
      db.exec(migrations[next]!);
      db.pragma(`user_version = ${next + 1}`);
    }).immediate();
  }
}

function withStatementCache(db: Database.Database): SqliteDatabase {
  const statements = new Map<string, Database.Statement>();
  return {
    close: () => db.close(),
    prepare: (text) => {
      let statement = statements.get(text);
      if (!statement) {
        if (statements.size >= MAX_CACHED_STATEMENTS) statements.clear();
        statement = db.prepare(text);
        statements.set(text, statement);
      }
      return statement;
    },
  };
}

export interface SqliteStoreOptions {
  /**
   * Checkpoint the WAL from a worker thread instead of inside a COMMIT (sqlite/checkpointer.ts): for the
   * long-running server, whose every request would otherwise wait for a checkpoint's fsyncs. onError hears of a
   * checkpoint that failed.
   */
  backgroundCheckpoints?: { onError(message: string): void; intervalMs?: number };
}

export function openSqliteStore(path: string, options: SqliteStoreOptions = {}): Store {
  // SQLite gives the -wal and -shm files the database file's mode, so a 0600 database keeps them 0600 too.
  createPrivateFile(path);
  const db = new Database(path);
  try {
    db.pragma(`busy_timeout = ${BUSY_TIMEOUT_MS}`);
    db.pragma('journal_mode = WAL');
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    migrate(db);
  } catch (error) {
    db.close();
    throw error;
  }
  let checkpointer: Checkpointer | null = null;
  if (options.backgroundCheckpoints) {
    db.pragma(`wal_autocheckpoint = ${BACKSTOP_AUTOCHECKPOINT_PAGES}`);
    checkpointer = startCheckpointer(path, {
      ...options.backgroundCheckpoints,
      onStopped: () => {
        if (db.open) db.pragma(`wal_autocheckpoint = ${SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES}`);
      },
    });
  }
  const kysely = new Kysely<Schema>({ dialect: new PlanOnceSqliteDialect({ database: withStatementCache(db) }) });
  let closing: Promise<void> | null = null;
  const guard = new TransactionGuard();
  const own = guard.guard(repositories(kysely, 'sqlite'));
  return {
    kind: 'sqlite',
    ...own,
    rateCounts: null,
    presence: null,
    read: async (work) => {
      guard.check();
      return work(own);
    },
    write: async (work) => {
      guard.check();
      return work(own);
    },
    transaction: (work) => runTransaction(kysely, RULES, work, guard),
    // Waits for the single connection, so a transaction in flight finishes first. The worker's connection closes
    // before it, so the server's, the last, checkpoints everything and removes the WAL.
    close: () => {
      closing ??= kysely.connection().execute(async () => {
        await checkpointer?.stop();
        db.close();
      });
      return closing;
    },
  };
}
