// Background upkeep: PENDING requests past their lifetime become EXPIRED (and devices and waiting requesters hear
// it); replay records older than any still-valid signature, rate-limit windows that have ended and webhook events
// delivered long ago are pruned, and so is what retention.ts no longer keeps (old history, ended or expired
// sessions, spent pairing codes, used TOTP steps).
import type { Services } from './services/index.js';

export function startSweeper(
  services: Services,
  intervals: { sweepMs: number; pruneMs: number },
  log: (error: unknown) => void,
): () => void {
  // The first prune one interval after start, not at the first sweep: a start-up (or a test's first moments) is
  // not burdened with it, and pruning never races a just-started server's first requests.
  let lastPrune = Date.now();
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      await services.approvals.expireDue();
      if (Date.now() - lastPrune >= intervals.pruneMs) {
        lastPrune = Date.now();
        await services.limits.prune();
        await services.retention.prune();
        await services.webhooks.prune();
      }
    } catch (error) {
      log(error);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void sweep(), intervals.sweepMs);
  timer.unref();
  return () => clearInterval(timer);
}
