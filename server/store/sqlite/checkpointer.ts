// WAL checkpoints off the event loop. SQLite moves the WAL's pages back into the database file (a checkpoint) from
// inside the COMMIT that takes the WAL past wal_autocheckpoint pages, and with synchronous = NORMAL that
// checkpoint fsyncs the WAL and the database file. better-sqlite3 is synchronous, so every request of the server
// waited for those fsyncs: in the bench, about one COMMIT in 140 took 2–8 ms instead of ~60 µs.
//
// Here a worker thread holds a second connection and runs a PASSIVE checkpoint every interval, which never waits
// for the writer and never makes it wait. The server's own connection keeps a high wal_autocheckpoint as a
// backstop: if the worker stops, SQLite checkpoints in a COMMIT as before, only less often — nothing is lost
// either way, the WAL only grows larger between checkpoints.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/** How often the worker checkpoints: the WAL holds at most about this long's worth of writes. */
export const CHECKPOINT_INTERVAL_MS = 250;
/** Pages after which the server's own connection checkpoints (in a COMMIT) if the worker has not. */
export const BACKSTOP_AUTOCHECKPOINT_PAGES = 10_000;

// Plain script (a worker started with eval: true): no loader, the same in tests (TypeScript sources) and in dist.
// A 'stop' posted before the script has run waits in the port's queue until its listener is there.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
const db = new Database(workerData.path, { fileMustExist: true });
const timer = setInterval(() => {
  try {
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (error) {
    parentPort.postMessage({ error: String((error && error.message) || error) });
  }
}, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
`;

export interface Checkpointer {
  /** Stops the worker and closes its connection; resolves once the thread has exited. */
  stop(): Promise<void>;
}

/**
 * Starts checkpointing the WAL of the database at `path` (which must exist) from a worker thread. A checkpoint
 * that fails, or a worker that cannot open the database, is reported to onError; the backstop then remains.
 */
export function startCheckpointer(
  path: string,
  options: { intervalMs?: number; onError?: (message: string) => void } = {},
): Checkpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: { path, driver, intervalMs: options.intervalMs ?? CHECKPOINT_INTERVAL_MS },
  });
  // The store's close stops it; a process that exits without closing must not be held up by it.
  worker.unref();
  worker.on('message', (message: { error?: string }) => {
    if (message.error) options.onError?.(`WAL checkpoint failed: ${message.error}`);
  });
  worker.on('error', (error) => options.onError?.(`The WAL checkpoint worker stopped: ${error.message}`));
  const exited = new Promise<void>((resolve) => worker.once('exit', () => resolve()));
  let stopping: Promise<void> | null = null;
  return {
    stop: () => {
      stopping ??= (async () => {
        // Held while it stops: otherwise a process with nothing else to wait for exits before the worker has
        // closed its connection (and a top-level await on the close never settles).
        worker.ref();
        worker.postMessage('stop');
        await exited;
      })();
      return stopping;
    },
  };
}
