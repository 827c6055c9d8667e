// The server's clock as this desktop estimates it, one per account. The server refuses a signed call whose
// X-Countersign-Timestamp is more than 60 s off its own clock, and states request expiry on its own clock, so a
// desktop whose clock is off by minutes signs and counts down with this estimate instead of its own clock.
// Learned from every reply's Date header (one-second resolution: good enough against ±60 s) and, precisely, from
// the stream's hello (server_time in milliseconds).
import type { Clock } from './clock.js';

/** The Date header has whole seconds; an estimate this close to it is left alone (it may be the finer one). */
const DATE_HEADER_SLACK_MS = 2_000;

export class ServerClock implements Clock {
  private offset = 0;

  constructor(private readonly local: Clock) {}

  /** The server's time now, in Unix milliseconds. */
  now(): number {
    return this.local.now() + this.offset;
  }

  /** Server clock minus ours. */
  get offsetMs(): number {
    return this.offset;
  }

  /** A server time in Unix milliseconds, as the local clock reads it. */
  toLocal(serverTimeMs: number): number {
    return serverTimeMs - this.offset;
  }

  /**
   * A reply's Date header (RFC 9110 IMF-fixdate, e.g. "Sun, 06 Nov 1994 08:49:37 GMT"). Returns how far the
   * estimate moved, in ms (0 when the header is missing, unreadable or agrees with the estimate).
   */
  observeDateHeader(value: string | null | undefined): number {
    if (!value) return 0;
    const stated = Date.parse(value);
    if (!Number.isFinite(stated)) return 0;
    // The server's true time lies in [stated, stated + 1 s); compare with the middle of that second.
    const middle = stated + 500;
    const estimate = this.now();
    if (Math.abs(estimate - middle) <= DATE_HEADER_SLACK_MS) return 0;
    const before = this.offset;
    this.offset = middle - this.local.now();
    return this.offset - before;
  }

  /** The hello's server_time (ISO 8601 with milliseconds). */
  observeServerTime(iso: string): void {
    const stated = Date.parse(iso);
    if (Number.isFinite(stated)) this.offset = stated - this.local.now();
  }
}

/** How far the estimate must move on a refusal before the refused call is tried again at once. */
export const SKEW_RETRY_THRESHOLD_MS = 30_000;
