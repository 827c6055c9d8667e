// Optional per-session limits of an upstream: methods, path prefixes and requests per minute. The counts live in
// this gateway process (a fixed one-minute window per session and upstream), so N gateway instances allow N times
// the rate; methods and paths hold everywhere.
import type { SessionLimits } from './config-schema.js';
import { underPrefix } from './routing.js';

export type LimitVerdict =
  | { ok: true }
  | { ok: false; reason: 'method' | 'path' }
  | { ok: false; reason: 'rate'; retryAfterSeconds: number };

const WINDOW_MS = 60_000;
/** Above this many tracked windows, finished ones are dropped (each is a few dozen bytes). */
const PRUNE_ABOVE = 10_000;

export class SessionLimiter {
  private readonly windows = new Map<string, { start: number; count: number }>();

  constructor(private readonly now: () => number = Date.now) {}

  check(limits: SessionLimits, key: string, method: string, rest: string): LimitVerdict {
    if (limits.methods && !(limits.methods as readonly string[]).includes(method))
      return { ok: false, reason: 'method' };
    if (limits.path_prefixes && !limits.path_prefixes.some((prefix) => underPrefix(rest, prefix))) {
      return { ok: false, reason: 'path' };
    }
    if (limits.requests_per_minute === undefined) return { ok: true };
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || now - window.start >= WINDOW_MS) {
      if (this.windows.size > PRUNE_ABOVE) this.prune(now);
      window = { start: now, count: 0 };
      this.windows.set(key, window);
    }
    if (window.count >= limits.requests_per_minute) {
      return {
        ok: false,
        reason: 'rate',
        retryAfterSeconds: Math.max(1, Math.ceil((window.start + WINDOW_MS - now) / 1000)),
      };
    }
    window.count++;
    return { ok: true };
  }

  private prune(now: number): void {
    for (const [key, window] of this.windows) if (now - window.start >= WINDOW_MS) this.windows.delete(key);
  }
}
