// protocol/totp.ts against RFC 6238 appendix B (SHA-1) and RFC 4648 base32: the code the server checks and the
// code the desktop shows come from these functions.
import { describe, expect, it } from 'vitest';
import {
  base32Decode,
  base32Encode,
  currentTotp,
  matchTotp,
  otpauthUri,
  totpCode,
  totpStep,
} from '../../protocol/totp.js';

const RFC_SECRET = Buffer.from('12345678901234567890', 'ascii');
/** RFC 6238 appendix B, SHA-1 column: unix seconds → 8-digit TOTP. */
const RFC_VECTORS: [number, string][] = [
  [59, '94287082'],
  [1111111109, '07081804'],
  [1111111111, '14050471'],
  [1234567890, '89005924'],
  [2000000000, '69279037'],
  [20000000000, '65353130'],
];

describe('TOTP (RFC 6238, SHA-1)', () => {
  it.each(RFC_VECTORS)('at %i s gives the RFC code %s with 8 digits, and its low 6 digits with 6', (seconds, code) => {
    expect(totpCode(RFC_SECRET, seconds * 1000, 8)).toBe(code);
    expect(totpCode(RFC_SECRET, seconds * 1000)).toBe(code.slice(2));
  });

  it('accepts ±1 step of skew and names the step that matched; ±2 steps is refused', () => {
    const now = 1_234_567_890_000;
    const step = totpStep(now);
    for (const offset of [-1, 0, 1]) {
      expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, now + offset * 30_000), now)).toBe(step + offset);
    }
    for (const offset of [-2, 2])
      expect(matchTotp(RFC_SECRET, totpCode(RFC_SECRET, now + offset * 30_000), now)).toBe(null);
  });

  it('counts down the seconds the current code has left', () => {
    expect(currentTotp(RFC_SECRET, 59_000)).toEqual({ code: '287082', secondsLeft: 1 });
    expect(currentTotp(RFC_SECRET, 60_000).secondsLeft).toBe(30);
  });

  it('round-trips base32 (RFC 4648 vectors) and forgives case, spaces and padding', () => {
    expect(base32Encode(Buffer.from('foobar'))).toBe('MZXW6YTBOI');
    expect(base32Encode(RFC_SECRET)).toBe('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(base32Decode('mzxw 6ytb oi======').toString()).toBe('foobar');
    expect(() => base32Decode('MZXW1')).toThrow(/not base32/);
  });

  it('writes an otpauth:// URI authenticator apps read', () => {
    const uri = new URL(otpauthUri('GEZDGNBV', 'Countersign', 'alice@laptop'));
    expect(uri.protocol).toBe('otpauth:');
    expect(uri.searchParams.get('secret')).toBe('GEZDGNBV');
    expect(uri.searchParams.get('digits')).toBe('6');
    expect(uri.searchParams.get('period')).toBe('30');
  });
});
