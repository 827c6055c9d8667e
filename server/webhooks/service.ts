// What the operator sees of the webhook outbox (countersign-admin webhook status|redeliver) and the sweeper's
// pruning, over the store: the same on a running server and from the admin command line.
import type { ServerConfig } from '../config.js';
import type { UnitOfWork, WebhookOutboxRow } from '../store/types.js';
import { WEBHOOK_DEFAULTS } from './config.js';

export interface WebhookStatus {
  /** Not delivered yet and no attempt has failed. */
  pending: number;
  delivered: number;
  /** Not delivered, at least one failed attempt, still retried. */
  failing: number;
  /** Retries stopped (too old): redeliver --failed starts them again. */
  given_up: number;
  /** Per receiver URL: its latest failure among undelivered events. */
  receivers: { url: string; failing: number; last_error: string; last_error_at: string }[];
  /** The oldest undelivered events, for redeliver --event. */
  oldest_undelivered: { event_id: string; type: string; created: string; attempts: number; next_attempt_at: string }[];
}

const iso = (time: number) => new Date(time).toISOString();

export class WebhookService {
  constructor(
    private readonly store: UnitOfWork,
    private readonly config: Pick<ServerConfig, 'webhooks' | 'now'>,
  ) {}

  async status(): Promise<WebhookStatus> {
    const rows = await this.store.read((db) => db.webhooks.undelivered());
    const failed = (row: WebhookOutboxRow) => Object.keys(row.lastErrors).length > 0;
    const receivers = new Map<string, { failing: number; error: string; at: number }>();
    for (const row of rows) {
      for (const [url, { error, at }] of Object.entries(row.lastErrors)) {
        if (row.doneUrls.includes(url)) continue;
        const seen = receivers.get(url) ?? { failing: 0, error, at };
        seen.failing += 1;
        if (at >= seen.at) Object.assign(seen, { error, at });
        receivers.set(url, seen);
      }
    }
    return {
      pending: rows.filter((row) => !failed(row) && row.givenUpAt === null).length,
      delivered: await this.store.read((db) => db.webhooks.countDelivered()),
      failing: rows.filter((row) => failed(row) && row.givenUpAt === null).length,
      given_up: rows.filter((row) => row.givenUpAt !== null).length,
      receivers: [...receivers].map(([url, r]) => ({
        url,
        failing: r.failing,
        last_error: r.error,
        last_error_at: iso(r.at),
      })),
      oldest_undelivered: rows.slice(0, 10).map((row) => ({
        event_id: row.eventId,
        type: row.type,
        created: iso(row.created),
        attempts: row.attempts,
        next_attempt_at: iso(row.nextAttemptAt),
      })),
    };
  }

  /** Sends one event again to every receiver; false for an unknown event id. */
  async redeliver(eventId: string): Promise<boolean> {
    return this.store.write((db) => db.webhooks.redeliver(eventId, this.config.now()));
  }

  /** Sends every undelivered event that has failed again, now; returns their ids. */
  async redeliverFailed(): Promise<string[]> {
    return this.store.write((db) => db.webhooks.redeliverFailed(this.config.now()));
  }

  /** Deletes events delivered (or given up) longer ago than the retention; without receivers, all that old. */
  async prune(): Promise<void> {
    const retention = this.config.webhooks?.retentionMs ?? WEBHOOK_DEFAULTS.retentionMs;
    const before = this.config.now() - retention;
    if (this.config.webhooks) await this.store.write((db) => db.webhooks.pruneFinishedBefore(before));
    else await this.store.write((db) => db.webhooks.pruneCreatedBefore(before));
  }
}
