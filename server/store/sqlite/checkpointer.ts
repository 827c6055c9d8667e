// WAL checkpoints off the event loop. SQLite moves the WAL's pages back into the database file (a checkpoint) from
// inside the COMMIT that takes the WAL past wal_autocheckpoint pages, and with synchronous = NORMAL that
// checkpoint fsyncs the WAL and the database file. better-sqlite3 is synchronous, so every request of the server
// waited for those fsyncs: in the bench, about one COMMIT in 140 took 2–8 ms instead of ~60 µs.
//
// Here a worker thread holds a second connection and runs a PASSIVE checkpoint every interval, which never waits
// for the writer and never makes it wait. The server's own connection keeps a high wal_autocheckpoint as a
// backstop, and goes back to SQLite's default if the worker exits unasked: then SQLite checkpoints in a COMMIT as
// before. Nothing is lost either way.
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * How often the worker checkpoints. A PASSIVE checkpoint copies what is committed and lets writers go on, so under
 * steady writes the WAL file may keep some length; SQLite starts it over from its head at a write that finds it
 * fully copied back.
 */
export const CHECKPOINT_INTERVAL_MS = 250;
/** Pages after which the server's own connection checkpoints (in a COMMIT) if the worker has not. */
export const BACKSTOP_AUTOCHECKPOINT_PAGES = 10_000;
/** SQLite's own wal_autocheckpoint, put back when the worker is gone. */
export const SQLITE_DEFAULT_AUTOCHECKPOINT_PAGES = 1_000;

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
 * that fails, or a worker that cannot open the database, is reported to onError; a worker that exits before stop()
 * is reported to onStopped.
 */
export function startCheckpointer(
  path: string,
  options: { intervalMs?: number; onError?: (message: string) => void; onStopped?: () => void } = {},
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
  let stopping: Promise<void> | null = null;
  // An exit nobody asked for (the worker failed): the caller puts SQLite's own checkpoints back.
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', () => {
      if (!stopping) options.onStopped?.();
      resolve();
    }),
  );
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
