// The one accepted spelling of base64url on the wire. Base64 leaves unused bits in the last character when the
// byte count is not a multiple of 3 (4 bits for a 64-byte signature, 2 for a 32-byte key), so several strings
// decode to the same bytes; decoders also take "=" padding and the standard alphabet's "+" and "/". Anything that
// compares or remembers the text (the replay record of a signature, a stored public key) would then see different
// values where the bytes are equal. So every value is accepted in its canonical form only: exact length, no
// padding, the URL-safe alphabet, and unused bits zero — exactly the strings for which decoding and encoding again
// gives the input. Pure string logic, no Node APIs, so the renderer bundle may import it.
import { z } from 'zod';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
const URL_SAFE = /^[A-Za-z0-9_-]*$/;

/** Characters of the unpadded base64url encoding of `bytes` bytes: 43 for 32, 86 for 64. */
export function base64UrlLength(bytes: number): number {
  return Math.ceil((bytes * 4) / 3);
}

/** The texts the parsers give for a value that is not canonical base64url; `what` names the value. */
export const Base64UrlText = {
  PADDED: 'must be base64url without "=" padding',
  STANDARD_ALPHABET: 'must be base64url: "-" and "_" where standard base64 has "+" and "/"',
  ALPHABET: 'must be base64url (letters, digits, "-" and "_")',
  length: (what: string, bytes: number) => `must be ${what} in base64url (${base64UrlLength(bytes)} characters)`,
  NOT_CANONICAL:
    'must be canonical base64url: the unused low bits of the last character must be zero (decoding and encoding again must give the same text)',
} as const;

/**
 * Why `text` is not the canonical unpadded base64url encoding of some `bytes` bytes (one of Base64UrlText), or null
 * when it is. Without `bytes` any length that an encoding can have is taken.
 */
export function base64UrlIssue(text: string, bytes?: number, what = 'a value'): string | null {
  if (text.includes('=')) return Base64UrlText.PADDED;
  if (/[+/]/.test(text)) return Base64UrlText.STANDARD_ALPHABET;
  if (!URL_SAFE.test(text)) return Base64UrlText.ALPHABET;
  const count = bytes ?? Math.floor((text.length * 3) / 4);
  if (text.length !== base64UrlLength(count)) return Base64UrlText.length(what, count);
  // 1 byte left over after the last full group of 3 → 2 characters, 4 bits unused; 2 bytes → 3 characters, 2 bits.
  const unusedBits = [0, 4, 2][count % 3]!;
  const last = text.length === 0 ? 0 : ALPHABET.indexOf(text[text.length - 1]!);
  if ((last & ((1 << unusedBits) - 1)) !== 0) return Base64UrlText.NOT_CANONICAL;
  return null;
}

/** The canonical encodings of `bytes` bytes as one regular expression (for the OpenAPI document). */
export function canonicalBase64UrlPattern(bytes: number): string {
  const length = base64UrlLength(bytes);
  const unusedBits = [0, 4, 2][bytes % 3]!;
  if (unusedBits === 0) return `^[A-Za-z0-9_-]{${length}}$`;
  const lasts = [...ALPHABET].filter((_, index) => (index & ((1 << unusedBits) - 1)) === 0).join('');
  return `^[A-Za-z0-9_-]{${length - 1}}[${lasts}]$`;
}

/** A zod string that is the canonical base64url encoding of exactly `bytes` bytes, described as `what`. */
export function canonicalBase64Url(bytes: number, what: string) {
  return z
    .string()
    .superRefine((text, ctx) => {
      const issue = base64UrlIssue(text, bytes, what);
      if (issue) ctx.addIssue({ code: 'custom', message: issue });
    })
    .meta({
      description: `${what}: canonical base64url without padding (unused bits zero)`,
      pattern: canonicalBase64UrlPattern(bytes),
      minLength: base64UrlLength(bytes),
      maxLength: base64UrlLength(bytes),
    });
}
