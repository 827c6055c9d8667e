// Reconnect delays: exponential growth with a cap and "full jitter" (a uniform pick below the ceiling), so that
// many desktops cut off by one server restart do not all come back in the same instant. Pure functions.

export interface BackoffOptions {
  /** Ceiling of the first retry. */
  baseMs: number;
  /** No ceiling ever exceeds this. */
  capMs: number;
  /** Uniform in [0, 1); injectable so tests can pin the pick. */
  random: () => number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 500, capMs: 30_000, random: Math.random };

/** The largest delay retry number `attempt` (1, 2, …) may wait: base·2^(attempt−1), at most cap. */
export function backoffCeiling(attempt: number, options: Pick<BackoffOptions, 'baseMs' | 'capMs'>): number {
  const exponent = Math.max(0, Math.floor(attempt) - 1);
  // 2^exponent overflows to Infinity for huge attempts, and Math.min handles Infinity.
  return Math.min(options.capMs, options.baseMs * 2 ** exponent);
}

/** The delay before retry number `attempt`: uniform in [0, ceiling), whole milliseconds. */
export function backoffDelay(attempt: number, options: BackoffOptions): number {
  const pick = Math.min(Math.max(options.random(), 0), 1 - Number.EPSILON);
  return Math.floor(pick * backoffCeiling(attempt, options));
}
