// Opens (creating when needed) the server's SQLite database: WAL so that countersign-admin can write while the
// server runs, a busy timeout so that the two wait for each other instead of failing, and the migrations.
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import Database from 'better-sqlite3';
import { migrations } from '../migrations.js';
import type { Repositories, Store } from '../types.js';
import { sqliteCredentials } from './credentials.js';
import { sqliteDevices } from './devices.js';
import { type Exec, immediate, TransactionGate } from './gate.js';
import { sqlitePairingCodes } from './pairing-codes.js';
import { sqlitePermittedIps } from './permitted-ips.js';
import { sqliteRequests } from './requests.js';
import { sqliteSeenSignatures } from './seen-signatures.js';
import { sqliteSessions } from './sessions.js';
import { sqliteTotp } from './totp.js';
import { sqliteUsers } from './users.js';

const BUSY_TIMEOUT_MS = 5_000;

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

function repositories(db: Database.Database, exec: Exec): Repositories {
  return {
    users: sqliteUsers(db, exec),
    credentials: sqliteCredentials(db, exec),
    permittedIps: sqlitePermittedIps(db, exec),
    requests: sqliteRequests(db, exec),
    sessions: sqliteSessions(db, exec),
    devices: sqliteDevices(db, exec),
    pairingCodes: sqlitePairingCodes(db, exec),
    seenSignatures: sqliteSeenSignatures(db, exec),
    totp: sqliteTotp(db, exec),
  };
}

export function openSqliteStore(path: string): Store {
  mkdirSync(dirname(path), { recursive: true });
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
  const gate = new TransactionGate();
  const inTransaction = repositories(db, immediate);
  return {
    ...repositories(db, gate.direct),
    transaction: (work) =>
      gate.exclusive(async () => {
        db.exec('BEGIN IMMEDIATE');
        try {
          const result = await work(inTransaction);
          db.exec('COMMIT');
          return result;
        } catch (error) {
          if (db.inTransaction) db.exec('ROLLBACK');
          throw error;
        }
      }),
    close: () =>
      gate.exclusive(async () => {
        db.close();
      }),
  };
}
