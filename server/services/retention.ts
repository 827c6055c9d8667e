// What the server keeps, and for how long: session requests (the history) for config.historyDays after they were
// made; sessions until they end or expire; pairing codes until used or expired; used TOTP steps only while a code
// of that step could still be accepted; replay records (devices' and requester installations' signatures) only
// while a signature of that age could still be valid. Everything older is deleted by the sweeper, in bounded
// batches so that no prune holds SQLite's write lock for long: the first of a long-running database, or the
// replay records of a busy one (one per signed call).
import type { ServiceContext } from './context.js';
import { USED_STEP_RETENTION_MS } from './code-fallback.js';
import { SEEN_SIGNATURE_RETENTION_MS } from './devices.js';

/** Rows per table per DELETE; a pass deletes batch after batch until one comes back short. */
const PRUNE_BATCH = 1_000;
const DAY_MS = 86_400_000;

export interface Pruned {
  sessionRequests: number;
  sessions: number;
  pairingCodes: number;
  usedTotpSteps: number;
  deviceSignatures: number;
  requesterSignatures: number;
}

export class RetentionService {
  constructor(private readonly ctx: ServiceContext) {}

  async prune(): Promise<Pruned> {
    const now = this.ctx.config.now();
    const { store } = this.ctx;
    const pruned: Pruned = {
      sessionRequests: await batches((limit) =>
        store.write((db) => db.requests.pruneHistoryBefore(now - this.ctx.config.historyDays * DAY_MS, limit)),
      ),
      sessions: await batches((limit) => store.write((db) => db.sessions.pruneEndedOrExpired(now, limit))),
      pairingCodes: await batches((limit) => store.write((db) => db.pairingCodes.pruneSpent(now, limit))),
      usedTotpSteps: await batches((limit) =>
        store.write((db) => db.totp.pruneUsedStepsOlderThan(now - USED_STEP_RETENTION_MS, limit)),
      ),
      deviceSignatures: await batches((limit) =>
        store.write((db) => db.seenSignatures.pruneOlderThan(now - SEEN_SIGNATURE_RETENTION_MS, limit)),
      ),
      requesterSignatures: await batches((limit) =>
        store.write((db) => db.requesterSignatures.pruneOlderThan(now - SEEN_SIGNATURE_RETENTION_MS, limit)),
      ),
    };
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
