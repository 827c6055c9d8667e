// Caps how many requests one client address may make per window, so that one address hammering an endpoint (key
// guessing, or opening session after session with a working key) is told to slow down instead of filling the
// database. In memory: a restart forgets, which is fine for a limit that only has to stop floods.
import { isIP } from 'node:net';

interface Window {
  count: number;
  /** When this address's window ends and its count starts again. */
  resetAt: number;
}

/**
 * The address a limit applies to. An IPv6 client usually holds a whole /64, so its addresses share one count;
 * otherwise one host could step around the limit by changing the last 64 bits.
 */
export function rateLimitKey(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  const [head = '', tail = ''] = ip.split('::');
  const headGroups = head === '' ? [] : head.split(':');
  const tailGroups = tail === '' ? [] : tail.split(':');
  const missing = ip.includes('::') ? 8 - headGroups.length - tailGroups.length : 0;
  const groups = [...headGroups, ...Array<string>(missing).fill('0'), ...tailGroups];
  return `${groups.slice(0, 4).join(':')}::/64`;
}

export class RequestRateLimiter {
  private readonly windows = new Map<string, Window>();
  private nextSweep = 0;

  /** limit 0 turns the limiter off. */
  constructor(
    private readonly limit: number,
    private readonly windowMs: number,
    private readonly now: () => number,
  ) {}

  /** Counts one request from ip: null when it may go ahead, otherwise the seconds to wait (for Retry-After). */
  take(ip: string): number | null {
    if (this.limit <= 0) return null;
    const now = this.now();
    this.sweep(now);
    const key = rateLimitKey(ip);
    let window = this.windows.get(key);
    if (!window || window.resetAt <= now) {
      window = { count: 0, resetAt: now + this.windowMs };
      this.windows.set(key, window);
    }
    if (window.count >= this.limit) return Math.max(1, Math.ceil((window.resetAt - now) / 1000));
    window.count += 1;
    return null;
  }

  /** Forgets windows that have ended, once per window length, so addresses seen once do not pile up. */
  private sweep(now: number): void {
    if (now < this.nextSweep) return;
    this.nextSweep = now + this.windowMs;
    for (const [key, window] of this.windows) if (window.resetAt <= now) this.windows.delete(key);
  }
}
