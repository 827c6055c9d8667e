// What the server keeps, and for how long: session requests (the history) for config.historyDays after they were
// made; sessions until they end or expire; pairing codes until used or expired; used TOTP steps only while a code
// of that step could still be accepted. Everything older is deleted by the sweeper, in bounded batches so that
// the first prune of a long-running database never holds SQLite's write lock for long.
import type { ServiceContext } from './context.js';
import { USED_STEP_RETENTION_MS } from './code-fallback.js';

/** Rows per table per DELETE; a pass deletes batch after batch until one comes back short. */
const PRUNE_BATCH = 1_000;
const DAY_MS = 86_400_000;

export interface Pruned {
  sessionRequests: number;
  sessions: number;
  pairingCodes: number;
}

export class RetentionService {
  constructor(private readonly ctx: ServiceContext) {}

  async prune(): Promise<Pruned> {
    const now = this.ctx.config.now();
    const { store } = this.ctx;
    const pruned: Pruned = {
      sessionRequests: await batches((limit) =>
        store.read((db) => db.requests.pruneHistoryBefore(now - this.ctx.config.historyDays * DAY_MS, limit)),
      ),
      sessions: await batches((limit) => store.read((db) => db.sessions.pruneEndedOrExpired(now, limit))),
      pairingCodes: await batches((limit) => store.read((db) => db.pairingCodes.pruneSpent(now, limit))),
    };
    await store.read((db) => db.totp.pruneUsedStepsOlderThan(now - USED_STEP_RETENTION_MS));
    return pruned;
  }
}

/** Runs one bounded DELETE after another (letting other work in between) until one deletes less than a batch. */
async function batches(deleteBatch: (limit: number) => Promise<number>): Promise<number> {
  let total = 0;
  for (;;) {
    const count = await deleteBatch(PRUNE_BATCH);
    total += count;
    if (count < PRUNE_BATCH) return total;
    await new Promise((resolve) => setImmediate(resolve));
  }
}
