// Every per-address limit of the server (failed pairings, refused TOTP codes, POST /v1/session-server attempts),
// in one place: one key function, one way of counting, one async interface whatever holds the counts. One instance
// on SQLite counts in this process's memory (bounded, windows forgotten when they end); several instances on one
// PostgreSQL database count in that database (store/kysely/rate-counts.ts), so N instances allow what one allows
// and a restart forgets nothing (a limit that only saves work reads that count less often: LimitRule.guardsWorkOnly).
//
// A count is a fixed window that starts with the first hit of a key and lasts windowMs; when it has ended, the next
// hit starts a new one. Retry-After is the time until the window ends.
import { isIP } from 'node:net';
import { ErrorText } from '../../protocol/index.js';
import type { RateCount, RateCountRepository } from '../store/types.js';
import { Refusal } from '../domain/refusal.js';

/** The eight 16-bit groups of an IPv6 address (an embedded IPv4 tail as the last two). */
function ipv6Groups(ip: string): number[] {
  const [head = '', tail = ''] = ip.split('::');
  const parse = (part: string) =>
    part === ''
      ? []
      : part.split(':').flatMap((group) => {
          if (!group.includes('.')) return [Number.parseInt(group, 16)];
          const [a = 0, b = 0, c = 0, d = 0] = group.split('.').map(Number);
          return [(a << 8) | b, (c << 8) | d];
        });
  const headGroups = parse(head);
  const tailGroups = parse(tail);
  const missing = ip.includes('::') ? 8 - headGroups.length - tailGroups.length : 0;
  return [...headGroups, ...Array<number>(missing).fill(0), ...tailGroups];
}

/**
 * The address a limit applies to. An IPv6 client usually holds a whole /64, so its addresses share one count;
 * otherwise one host could step around the limit by changing the last 64 bits. IPv4 counts by the address itself,
 * also when written IPv4-mapped (::ffff:a.b.c.d, in any spelling).
 */
export function rateLimitKey(ip: string): string {
  if (isIP(ip) !== 6) return ip;
  const groups = ipv6Groups(ip);
  if (groups.slice(0, 5).every((group) => group === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.');
  }
  return `${groups
    .slice(0, 4)
    .map((group) => group.toString(16))
    .join(':')}::/64`;
}

/**
 * Counts in this process, for one window length. Entries are kept in the order their windows end (a key whose
 * window restarts moves to the back), so forgetting ended windows reads only those, and at most maxEntries keys are
 * held: when full, the window that ends first is dropped to make room (an attacker with that many addresses can
 * shorten its own windows, which is all a bounded memory can promise).
 */
export class MemoryRateCounts implements RateCountRepository {
  private readonly counts = new Map<string, RateCount>();

  constructor(private readonly maxEntries: number) {
    if (!Number.isInteger(maxEntries) || maxEntries < 1) throw new Error('MemoryRateCounts: maxEntries must be ≥ 1');
  }

  /** Keys held right now (ended windows not yet forgotten included). */
  get size(): number {
    return this.counts.size;
  }

  async hit(key: string, windowMs: number, now: number): Promise<RateCount> {
    this.forgetEnded(now);
    const current = this.counts.get(key);
    if (current && current.windowEnd > now) {
      current.count += 1;
      return { ...current };
    }
    this.counts.delete(key);
    while (this.counts.size >= this.maxEntries) {
      const first = this.counts.keys().next();
      if (first.done) break;
      this.counts.delete(first.value);
    }
    const started = { count: 1, windowEnd: now + windowMs };
    this.counts.set(key, started);
    return { ...started };
  }

  async peek(key: string, now: number): Promise<RateCount | null> {
    const current = this.counts.get(key);
    return current && current.windowEnd > now ? { ...current } : null;
  }

  async prune(now: number): Promise<void> {
    this.forgetEnded(now);
  }

  private forgetEnded(now: number): void {
    for (const [key, count] of this.counts) {
      if (count.windowEnd > now) break;
      this.counts.delete(key);
    }
  }
}

export interface LimitRule {
  /** Names the limit in shared storage, so that limits on the same address do not share a count. */
  name: string;
  /** Hits allowed per window; 0 turns the limit off. */
  limit: number;
  windowMs: number;
  /**
   * The limit guards the server's work (a signature verification per failure), not a secret that could be guessed.
   * With shared counts, blocked() then reads the shared count only for an address that has failed on this instance
   * within the window: a read of the database costs more than the verification it would save, and every good call
   * would pay it. So an instance serves an address that failed only elsewhere until it fails here once; that failure
   * is verified and counted, and from then on this instance reads the shared count for it.
   */
  guardsWorkOnly?: boolean;
}

/** Seconds until the window ends, at least 1 (Retry-After). */
const secondsLeft = (count: RateCount, now: number) => Math.max(1, Math.ceil((count.windowEnd - now) / 1000));

/** 429 with Retry-After: what every limit answers once used up. */
export const rateLimited = (retryAfterSeconds: number) =>
  new Refusal('too-many', ErrorText.RATE_LIMITED, retryAfterSeconds);

/**
 * One limit per client address (rateLimitKey), optionally split by a scope within the address: refused TOTP codes
 * count per key the requester named, so that guesses with unknown keys from an address do not lock out a requester
 * there whose key is real.
 */
export class RateLimiter {
  constructor(
    private readonly counts: RateCountRepository,
    private readonly rule: LimitRule,
    private readonly now: () => number,
    /** This instance's own failures, when blocked() reads the shared counts only after one (guardsWorkOnly). */
    private readonly failedHere: MemoryRateCounts | null = null,
  ) {}

  private key(ip: string, scope: string | undefined): string {
    return `${this.rule.name}${scope === undefined ? '' : `/${scope}`}|${rateLimitKey(ip)}`;
  }

  /** Counts one attempt: null when it may go ahead, otherwise the seconds to wait (Retry-After). */
  async take(ip: string, scope?: string): Promise<number | null> {
    if (this.rule.limit <= 0) return null;
    const now = this.now();
    const count = await this.counts.hit(this.key(ip, scope), this.rule.windowMs, now);
    return count.count > this.rule.limit ? secondsLeft(count, now) : null;
  }

  /** Without counting: the seconds to wait when the address has used up the limit, otherwise null. */
  async blocked(ip: string, scope?: string): Promise<number | null> {
    if (this.rule.limit <= 0) return null;
    const now = this.now();
    const key = this.key(ip, scope);
    if (this.failedHere && (await this.failedHere.peek(key, now)) === null) return null;
    const count = await this.counts.peek(key, now);
    return count && count.count >= this.rule.limit ? secondsLeft(count, now) : null;
  }

  /** Counts one failure (checked later by blocked). */
  async fail(ip: string, scope?: string): Promise<void> {
    if (this.rule.limit <= 0) return;
    const key = this.key(ip, scope);
    const now = this.now();
    await this.failedHere?.hit(key, this.rule.windowMs, now);
    await this.counts.hit(key, this.rule.windowMs, now);
  }
}

export interface RateLimitSettings {
  pairingFailureLimit: number;
  pairingFailureWindowMs: number;
  codeFailureLimit: number;
  codeFailureWindowMs: number;
  sessionRateLimit: number;
  sessionRateWindowMs: number;
  deviceAuthFailureLimit: number;
  deviceAuthFailureWindowMs: number;
  /** Keys each limit may hold in memory (when not counted in a shared database). */
  rateLimitMemoryEntries: number;
  now: () => number;
}

/** The server's limits, over shared counts (PostgreSQL) or, when there are none, each over its own memory. */
export class RateLimits {
  /** Failed pairings per address. */
  readonly pairing: RateLimiter;
  /** Refused TOTP codes per address, scoped by the key named (codeScope). */
  readonly codes: RateLimiter;
  /** POST /v1/session-server attempts per address, good or bad. */
  readonly sessions: RateLimiter;
  /** Refused device authentications (bad signature, unknown device, replay) per address: each costs a verify. */
  readonly deviceAuth: RateLimiter;
  /** The in-memory counts: one per limit, or with shared counts this instance's own failures of a guardsWorkOnly one. */
  readonly memory: MemoryRateCounts[] = [];

  constructor(
    private readonly shared: RateCountRepository | null,
    private readonly settings: RateLimitSettings,
  ) {
    this.pairing = this.limiter({
      name: 'pairing',
      limit: settings.pairingFailureLimit,
      windowMs: settings.pairingFailureWindowMs,
    });
    this.codes = this.limiter({
      name: 'code',
      limit: settings.codeFailureLimit,
      windowMs: settings.codeFailureWindowMs,
    });
    this.sessions = this.limiter({
      name: 'session',
      limit: settings.sessionRateLimit,
      windowMs: settings.sessionRateWindowMs,
    });
    this.deviceAuth = this.limiter({
      name: 'device-auth',
      limit: settings.deviceAuthFailureLimit,
      windowMs: settings.deviceAuthFailureWindowMs,
      // A device's signature cannot be guessed; what the limit saves is the verifications (see LimitRule).
      guardsWorkOnly: true,
    });
  }

  /** A further limit on the same counts (its name must differ from every other limit's). */
  limiter(rule: LimitRule): RateLimiter {
    if (this.shared) {
      const failedHere = rule.guardsWorkOnly ? new MemoryRateCounts(this.settings.rateLimitMemoryEntries) : null;
      if (failedHere) this.memory.push(failedHere);
      return new RateLimiter(this.shared, rule, this.settings.now, failedHere);
    }
    const memory = new MemoryRateCounts(this.settings.rateLimitMemoryEntries);
    this.memory.push(memory);
    return new RateLimiter(memory, rule, this.settings.now);
  }

  /** Forgets ended windows (the sweeper calls this now and then). */
  async prune(): Promise<void> {
    const now = this.settings.now();
    if (this.shared) await this.shared.prune(now);
    for (const memory of this.memory) await memory.prune(now);
  }
}

/** The scope refused codes count in: per key the requester named when it exists, else one for all unknown keys. */
export const codeScope = (credentialId: number | null) =>
  credentialId === null ? 'unknown-key' : `key-${credentialId}`;
