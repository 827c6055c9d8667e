// Delivers the webhook outbox in the background, never on a request's path: every pollMs it claims due events
// under a lease (so on several PostgreSQL instances each event is delivered by one instance at a time; a lease
// outlives the longest attempt, and one left by a dead instance expires and is taken again), sends each to every
// receiver that does not have it yet, at most `concurrency` events at once, and records the outcome: delivered
// when every receiver answered 2xx, else retried later with capped exponential backoff and jitter. Rows survive
// restarts, so a receiver that is down for an hour loses nothing; the event id stays the same on every attempt.
import { randomUUID } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import type { Store, WebhookOutboxRow } from '../store/types.js';
import { retryDelayMs, type WebhookConfig } from './config.js';
import { sendWebhook } from './send.js';

export interface WebhookWorker {
  /** Looks for due events now (tests, and the first look at start). */
  poll(): Promise<void>;
  /** Stops claiming, cuts in-flight attempts short and waits until their outcomes are recorded. */
  stop(): Promise<void>;
}

export function startWebhookWorker(
  store: Store,
  config: WebhookConfig,
  now: () => number,
  log: (error: unknown) => void,
): WebhookWorker {
  const signer = new Webhook(config.secret);
  const stopping = new AbortController();
  const inFlight = new Set<Promise<void>>();
  let polling: Promise<void> | null = null;

  const deliver = async (row: WebhookOutboxRow, owner: string) => {
    const urls = config.urls.filter((url) => !row.doneUrls.includes(url));
    const outcomes = await Promise.all(
      urls.map((url) => sendWebhook(signer, url, row, config.timeoutMs, stopping.signal)),
    );
    const at = now();
    const doneUrls = [...row.doneUrls];
    const lastErrors = { ...row.lastErrors };
    outcomes.forEach((outcome, index) => {
      const url = urls[index]!;
      if (outcome.ok) doneUrls.push(url);
      else lastErrors[url] = { error: outcome.error, at };
    });
    const done = config.urls.every((url) => doneUrls.includes(url));
    const givingUp = !done && at - row.created >= config.giveUpAfterMs;
    await store.webhooks.finish(row.seq, owner, {
      doneUrls,
      lastErrors,
      deliveredAt: done ? at : null,
      // Cut short by the shutdown: due again at once, for whichever instance runs next.
      nextAttemptAt: stopping.signal.aborted ? at : at + retryDelayMs(config, row.attempts),
      givenUpAt: givingUp ? at : null,
    });
  };

  const claimAndStart = async () => {
    const room = config.concurrency - inFlight.size;
    if (room <= 0 || stopping.signal.aborted) return;
    const owner = randomUUID();
    const at = now();
    // The lease outlasts every attempt of the event (one per receiver, in parallel) with room to record it.
    const rows = await store.webhooks.claimDue({
      now: at,
      limit: room,
      owner,
      leaseUntil: at + config.timeoutMs * 2 + 5_000,
    });
    for (const row of rows) {
      const job: Promise<void> = deliver(row, owner)
        .catch(log)
        .finally(() => inFlight.delete(job));
      inFlight.add(job);
    }
  };

  const poll = () => {
    polling ??= claimAndStart()
      .catch(log)
      .finally(() => {
        polling = null;
      });
    return polling;
  };

  const timer = setInterval(() => void poll(), config.pollMs);
  timer.unref();
  void poll();
  return {
    poll,
    stop: async () => {
      clearInterval(timer);
      stopping.abort();
      await polling;
      await Promise.all([...inFlight]);
    },
  };
}
