// The canonical-base64url rule is exactly "decoding and encoding again gives the same text": checked against Node's
// own codec for every length and spelling fast-check comes up with, and for the fixed-size wire values.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  base64UrlIssue,
  base64UrlLength,
  Base64UrlText,
  canonicalBase64UrlPattern,
  PublicKey,
  Signature,
} from '../../protocol/index.js';
import { fromBase64Url } from '../../protocol/crypto.js';

const roundTrips = (text: string) =>
  /^[A-Za-z0-9_-]*$/.test(text) && Buffer.from(text, 'base64url').toString('base64url') === text;

describe('canonical base64url', () => {
  it('accepts a text exactly when it survives decode → encode unchanged', () => {
    const spelling = fc.stringMatching(/^[A-Za-z0-9+/_=-]{0,12}$/);
    fc.assert(
      fc.property(spelling, (text) => {
        expect(base64UrlIssue(text) === null).toBe(roundTrips(text));
      }),
      { numRuns: 5_000 },
    );
  });

  it('accepts every encoding Node makes, at the size asked for only', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 0, maxLength: 70 }), (bytes) => {
        const text = Buffer.from(bytes).toString('base64url');
        expect(base64UrlIssue(text, bytes.length)).toBeNull();
        expect(fromBase64Url(text, bytes.length).equals(Buffer.from(bytes))).toBe(true);
        expect(base64UrlIssue(text, bytes.length + 1)).not.toBeNull();
      }),
    );
  });

  it('the OpenAPI pattern matches exactly the canonical encodings', () => {
    for (const bytes of [32, 64]) {
      const pattern = new RegExp(canonicalBase64UrlPattern(bytes));
      const length = base64UrlLength(bytes);
      fc.assert(
        fc.property(fc.stringMatching(new RegExp(`^[A-Za-z0-9_-]{${length}}$`)), (text) => {
          expect(pattern.test(text)).toBe(base64UrlIssue(text, bytes) === null);
        }),
        { numRuns: 2_000 },
      );
    }
  });

  it('names what is wrong', () => {
    const signature = Buffer.alloc(64, 0xfb).toString('base64url');
    expect(signature.at(-1)).toBe('w');
    const issue = (text: string) => Signature.safeParse(text).error?.issues[0]?.message;
    expect(issue(signature)).toBeUndefined();
    expect(issue(`${signature.slice(0, -1)}x`)).toBe(Base64UrlText.NOT_CANONICAL);
    expect(issue(`${signature}==`)).toBe(Base64UrlText.PADDED);
    expect(issue(signature.replaceAll('-', '+').replaceAll('_', '/'))).toBe(Base64UrlText.STANDARD_ALPHABET);
    expect(issue(signature.slice(1))).toBe('must be a 64-byte Ed25519 signature in base64url (86 characters)');
    expect(issue(`${signature.slice(1)}.`)).toBe(Base64UrlText.ALPHABET);
    expect(PublicKey.safeParse('A'.repeat(42)).error?.issues[0]?.message).toBe(
      'must be the 32-byte Ed25519 public key in base64url (43 characters)',
    );
    expect(() => fromBase64Url(`${signature.slice(0, -1)}x`)).toThrow(/Not canonical base64url/);
  });
});
