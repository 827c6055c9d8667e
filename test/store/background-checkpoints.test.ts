// The server's SQLite store checkpoints the WAL from a worker thread, not inside a COMMIT on the event loop. What
// shows it from outside: a writer that never checkpoints itself (wal_autocheckpoint = 0) keeps reusing a short WAL
// while the store is open with background checkpoints, and grows it without bound while the store is open without
// them. Closing the store stops the worker first, so the store's own connection is the last and removes the WAL.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { startCheckpointer } from '../../server/store/sqlite/checkpointer.js';
import { openSqliteStore } from '../../server/store/sqlite/open.js';
import { type Cleanups, freshDatabase } from './support/fresh-database.js';

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const databasePath = () => freshDatabase('sqlite', cleanups);

const ROUNDS = 8;
const ROWS_PER_ROUND = 250;
const ROW_BYTES = 4_000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Resolves once check() holds, polling; fails after a few seconds (a loaded CI machine starts threads slowly). */
async function eventually(check: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !check(); waited += 20) {
    if (waited > 10_000) throw new Error(`not within 10 s: ${what}`);
    await sleep(20);
  }
}

/**
 * Writes ROUNDS rounds of about a megabyte each through a connection that never checkpoints; the WAL's size.
 * With workerRunning, first waits until the worker has checkpointed once (the database file grows).
 */
async function walSizeAfterWrites(path: string, workerRunning = false): Promise<number> {
  const writer = new Database(path);
  try {
    writer.pragma('wal_autocheckpoint = 0');
    const before = statSync(path).size;
    writer.exec('CREATE TABLE scratch (b BLOB)');
    if (workerRunning) await eventually(() => statSync(path).size > before, 'the worker checkpoints the new table');
    const insert = writer.prepare(`INSERT INTO scratch VALUES (randomblob(${ROW_BYTES}))`);
    const round = writer.transaction(() => {
      for (let row = 0; row < ROWS_PER_ROUND; row += 1) insert.run();
    });
    for (let index = 0; index < ROUNDS; index += 1) {
      round();
      await sleep(150);
    }
    return statSync(`${path}-wal`).size;
  } finally {
    writer.close();
  }
}

describe('SQLite store: WAL checkpoints in the background', () => {
  it('checkpoints from its worker, so a WAL nobody else checkpoints is reused instead of growing', async () => {
    const errors: string[] = [];
    const path = await databasePath();
    const store = openSqliteStore(path, { backgroundCheckpoints: { onError: (m) => errors.push(m), intervalMs: 20 } });
    try {
      const written = ROUNDS * ROWS_PER_ROUND * ROW_BYTES;
      const wal = await walSizeAfterWrites(path, true);
      // Two rounds' worth at most: each round starts over at the WAL's head once the worker has copied it back.
      expect(wal).toBeLessThan(written / 3);
      expect(errors).toEqual([]);
    } finally {
      await store.close();
    }
  });

  it('without them the same writes grow the WAL (the control: the first test can fail)', async () => {
    const path = await databasePath();
    const store = openSqliteStore(path);
    try {
      const written = ROUNDS * ROWS_PER_ROUND * ROW_BYTES;
      expect(await walSizeAfterWrites(path)).toBeGreaterThan(written);
    } finally {
      await store.close();
    }
  });

  it('stops its worker on close, so the store closes last and removes the WAL', async () => {
    const path = await databasePath();
    const store = openSqliteStore(path, { backgroundCheckpoints: { onError: () => undefined, intervalMs: 20 } });
    await store.transaction((tx) => tx.users.create('ada', 1));
    expect(existsSync(`${path}-wal`)).toBe(true);
    await store.close();
    expect(existsSync(`${path}-wal`)).toBe(false);
    const reopened = new Database(path, { readonly: true });
    expect(reopened.prepare('SELECT name FROM users').pluck().all()).toEqual(['ada']);
    reopened.close();
  });

  it('reports a worker that cannot open the database, says it stopped unasked, and still stops', async () => {
    const errors: string[] = [];
    let stopped = 0;
    const checkpointer = startCheckpointer(join(await databasePath(), 'missing', 'nothing.db'), {
      onError: (message) => errors.push(message),
      onStopped: () => {
        stopped += 1;
      },
    });
    await eventually(() => stopped > 0, 'the worker exits');
    await checkpointer.stop();
    expect(stopped).toBe(1);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^The WAL checkpoint worker stopped: Cannot open database because the directory does not exist/,
    );
  });
});
