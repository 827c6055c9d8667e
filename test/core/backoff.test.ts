import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_BACKOFF, backoffCeiling, backoffDelay } from '../../main/core/backoff.js';

const options = { baseMs: 500, capMs: 30_000 };

describe('reconnect backoff', () => {
  it('doubles the ceiling per attempt from the base and stops at the cap', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 8].map((n) => backoffCeiling(n, options))).toEqual([
      500, 1000, 2000, 4000, 8000, 16_000, 30_000, 30_000,
    ]);
    expect(backoffCeiling(10_000, options)).toBe(30_000);
    // Attempt numbers below 1 are treated as the first retry.
    expect(backoffCeiling(0, options)).toBe(500);
  });

  it('picks a whole-millisecond delay in [0, ceiling) for any random value', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 60 }), fc.double({ min: 0, max: 1, noNaN: true }), (attempt, r) => {
        const delay = backoffDelay(attempt, { ...options, random: () => r });
        expect(Number.isInteger(delay)).toBe(true);
        expect(delay).toBeGreaterThanOrEqual(0);
        expect(delay).toBeLessThan(backoffCeiling(attempt, options));
      }),
    );
  });

  it('spreads over the whole range (full jitter), scaled by the pick', () => {
    expect(backoffDelay(3, { ...options, random: () => 0 })).toBe(0);
    expect(backoffDelay(3, { ...options, random: () => 0.5 })).toBe(1000);
    expect(backoffDelay(3, { ...options, random: () => 0.999_999 })).toBe(1999);
    const delays = Array.from({ length: 2000 }, () => backoffDelay(4, { ...options, random: Math.random }));
    // With 2000 uniform picks below 4000 ms, both the lowest and the highest tenth are hit.
    expect(delays.some((d) => d < 400)).toBe(true);
    expect(delays.some((d) => d >= 3600)).toBe(true);
    expect(Math.max(...delays)).toBeLessThan(4000);
  });

  it('defaults to 0.5 s growing to at most 30 s', () => {
    expect(DEFAULT_BACKOFF.baseMs).toBe(500);
    expect(DEFAULT_BACKOFF.capMs).toBe(30_000);
  });
});
