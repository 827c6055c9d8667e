// The per-address limits of one instance count in memory: that memory must stay bounded however many addresses
// fail, and forget windows that have ended. Asserted on the limiter's own entry count (the real module, a clock the
// test moves), never on timing.
import { describe, expect, it } from 'vitest';
import { defaultConfig } from '../../server/config.js';
import { MemoryRateCounts, RateLimiter, RateLimits, rateLimitKey } from '../../server/limits/rate-limiter.js';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('in-memory rate limits', () => {
  it('hold at most the bound of addresses, whatever the number of sources, and still limit the newest', async () => {
    const time = clock();
    const limits = new RateLimits(null, { ...defaultConfig, rateLimitMemoryEntries: 500, now: time.now });
    for (let n = 0; n < 20_000; n += 1) {
      await limits.pairing.fail(`10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`);
      await limits.codes.fail(`2001:db8:${n.toString(16)}::1`, 'unknown-key');
    }
    expect(limits.memory.map((memory) => memory.size)).toEqual([500, 500, 0, 0]);
    // A source seen last is still counted in full.
    for (let i = 1; i < defaultConfig.pairingFailureLimit; i += 1) await limits.pairing.fail('10.0.78.31');
    expect(await limits.pairing.blocked('10.0.78.31')).toBeGreaterThan(0);
  });

  it('forget a window once it has ended, and count a fresh one after it', async () => {
    const time = clock();
    const counts = new MemoryRateCounts(100);
    const limiter = new RateLimiter(counts, { name: 'test', limit: 2, windowMs: 60_000 }, time.now);
    for (let n = 0; n < 50; n += 1) await limiter.fail(`192.0.2.${n}`);
    await limiter.fail('192.0.2.0');
    expect(await limiter.blocked('192.0.2.0')).toBe(60);
    time.advance(30_000);
    expect(await limiter.blocked('192.0.2.0')).toBe(30);
    time.advance(30_000);
    expect(await limiter.blocked('192.0.2.0')).toBeNull();
    await counts.prune(time.now());
    expect(counts.size).toBe(0);
    expect(await limiter.take('192.0.2.0')).toBeNull();
    expect(await limiter.take('192.0.2.0')).toBeNull();
    expect(await limiter.take('192.0.2.0')).toBe(60);
  });

  it('count an IPv6 client by its /64 in any spelling, and an IPv4-mapped address as the IPv4 address', () => {
    expect(rateLimitKey('2001:db8:1:2::1')).toBe('2001:db8:1:2::/64');
    expect(rateLimitKey('2001:0db8:0001:0002:ffff:eeee:dddd:cccc')).toBe('2001:db8:1:2::/64');
    expect(rateLimitKey('2001:db8:1:3::1')).toBe('2001:db8:1:3::/64');
    expect(rateLimitKey('::1')).toBe('0:0:0:0::/64');
    expect(rateLimitKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(rateLimitKey('::ffff:c000:207')).toBe('192.0.2.7');
    expect(rateLimitKey('10.1.2.3')).toBe('10.1.2.3');
  });
});
