// Sends notices to the other instances with pg_notify, through a small pool of its own (so a NOTIFY never waits
// behind the store's transactions), for what is published outside a transaction (a hub whose transaction could not
// carry its notices, e.g. a store without notifyOnCommit).
// What a transaction publishes goes with its COMMIT instead (PostgresHub.attachToCommit). Either way, by the time
// a notice arrives the row it names is committed and readable. Notices published in one tick go out in one
// statement.
import pg from 'pg';
import { encodeNotice, type Notice } from './notice.js';
import type { HubLog } from './pg-listener.js';

const ATTEMPTS = 3;
const RETRY_DELAY_MS = 100;

/** Drops what the batch already says: a 'wake' for a request that is also 'resolved' (that wakes waiters too). */
export function coalesce(batch: Notice[]): Notice[] {
  const resolved = new Set(batch.flatMap((notice) => (notice.kind === 'resolved' ? [notice.uuid] : [])));
  return batch.filter((notice) => notice.kind !== 'wake' || !resolved.has(notice.uuid));
}

export class NoticePublisher {
  private readonly pool: pg.Pool;
  private queued: Notice[] = [];
  private readonly inFlight = new Set<Promise<void>>();
  private closing: Promise<void> | null = null;

  constructor(
    connectionString: string,
    private readonly channel: string,
    private readonly from: string,
    private readonly log: HubLog,
  ) {
    this.pool = new pg.Pool({ connectionString, max: 2, application_name: 'countersign-notify' });
    // An idle connection that fails (the database restarted) is dropped by the pool; without a listener the
    // error would end the process.
    this.pool.on('error', (error) => this.log.warn({ err: error }, 'push hub: an idle NOTIFY connection failed'));
  }

  send(notice: Notice): void {
    if (this.closing) return;
    this.queued.push(notice);
    if (this.queued.length === 1) queueMicrotask(() => this.flush());
  }

  /** Sends what is queued, waits for every NOTIFY under way, then ends the pool. Safe to call twice. */
  close(): Promise<void> {
    this.closing ??= (async () => {
      this.flush();
      await Promise.all([...this.inFlight]);
      await this.pool.end();
    })();
    return this.closing;
  }

  private flush(): void {
    if (this.queued.length === 0) return;
    const payloads = coalesce(this.queued).map((notice) => encodeNotice(this.from, notice));
    this.queued = [];
    const sending = this.deliver(payloads).finally(() => this.inFlight.delete(sending));
    this.inFlight.add(sending);
  }

  private async deliver(payloads: string[]): Promise<void> {
    for (let attempt = 1; ; attempt += 1) {
      try {
        // unnest yields the array in order, and one transaction's notices arrive in the order sent.
        await this.pool.query('SELECT pg_notify($1, payload) FROM unnest($2::text[]) AS payload', [
          this.channel,
          payloads,
        ]);
        return;
      } catch (error) {
        // A pooled connection may have died since its last use; the next attempt gets a fresh one. Past that the
        // notices are lost to the other instances: their long-polls still re-read at their timeout, and their
        // devices get the PENDING list when they reconnect.
        if (attempt >= ATTEMPTS) {
          this.log.error({ err: error, notices: payloads.length }, 'push hub: could not NOTIFY the other instances');
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, RETRY_DELAY_MS * attempt));
      }
    }
  }
}
