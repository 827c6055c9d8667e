// Background upkeep: PENDING requests past their lifetime become EXPIRED (and devices and waiting requesters hear
// it), and replay records older than any still-valid signature, rate-limit windows that have ended and webhook
// events delivered long ago are pruned.
import type { Services } from './services/index.js';

const PRUNE_EVERY_MS = 30_000;

export function startSweeper(services: Services, intervalMs: number, log: (error: unknown) => void): () => void {
  let lastPrune = 0;
  let running = false;
  const sweep = async () => {
    if (running) return;
    running = true;
    try {
      await services.approvals.expireDue();
      if (Date.now() - lastPrune >= PRUNE_EVERY_MS) {
        lastPrune = Date.now();
        await services.devices.pruneSeenSignatures();
        await services.limits.prune();
        await services.webhooks.prune();
      }
    } catch (error) {
      log(error);
    } finally {
      running = false;
    }
  };
  const timer = setInterval(() => void sweep(), intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
