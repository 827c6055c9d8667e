// TOTP (RFC 6238 over RFC 4226 HOTP): the offline fallback code. HMAC-SHA-1, 6 digits, 30 s steps — what
// authenticator apps use, so a secret can also be put in one. Pure functions over node:crypto; kept out of
// protocol/index.ts (like crypto.ts) so the renderer never pulls in Node.
import { createHmac, randomBytes } from 'node:crypto';

export const TOTP_DIGITS = 6;
export const TOTP_STEP_SECONDS = 30;
/** 160 bits: RFC 4226's recommended length for an HMAC-SHA-1 key. */
export const TOTP_SECRET_BYTES = 20;
/** Steps either side of the current one that are still accepted (clock skew). */
export const TOTP_SKEW_STEPS = 1;

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** RFC 4648 base32 without padding, as otpauth:// URIs carry it. */
export function base32Encode(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += BASE32[(value << (5 - bits)) & 31];
  return out;
}

/** Reads base32 (case, spaces and padding forgiven, as people type it); throws on any other character. */
export function base32Decode(text: string): Buffer {
  const clean = text.replace(/[\s=]/g, '').toUpperCase();
  let bits = 0;
  let value = 0;
  const out: number[] = [];
  for (const char of clean) {
    const index = BASE32.indexOf(char);
    if (index < 0) throw new Error(`not base32: "${char}"`);
    value = ((value << 5) | index) & 0xffff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

export function newTotpSecret(): Buffer {
  return randomBytes(TOTP_SECRET_BYTES);
}

/** The time step a moment (unix ms) falls in. */
export function totpStep(nowMs: number): number {
  return Math.floor(nowMs / 1000 / TOTP_STEP_SECONDS);
}

/** RFC 4226 HOTP of one counter value: dynamic truncation, then the low `digits` decimal digits. */
export function hotp(secret: Uint8Array, counter: number, digits = TOTP_DIGITS): string {
  const message = Buffer.alloc(8);
  message.writeBigUInt64BE(BigInt(counter));
  const mac = createHmac('sha1', secret).update(message).digest();
  const offset = mac[mac.length - 1]! & 0x0f;
  const binary = mac.readUInt32BE(offset) & 0x7fffffff;
  return String(binary % 10 ** digits).padStart(digits, '0');
}

/** The code for a moment (unix ms). */
export function totpCode(secret: Uint8Array, nowMs: number, digits = TOTP_DIGITS): string {
  return hotp(secret, totpStep(nowMs), digits);
}

/** The current code and how many whole seconds it has left (1…30), for a display with a countdown. */
export function currentTotp(secret: Uint8Array, nowMs: number): { code: string; secondsLeft: number } {
  const elapsed = Math.floor(nowMs / 1000) % TOTP_STEP_SECONDS;
  return { code: totpCode(secret, nowMs), secondsLeft: TOTP_STEP_SECONDS - elapsed };
}

/**
 * The step a code belongs to, if it matches one within ±skew steps of now; null otherwise. The caller records
 * the step as used, so that a code is accepted once. Compares every candidate (no early exit on a match).
 */
export function matchTotp(secret: Uint8Array, code: string, nowMs: number, skew = TOTP_SKEW_STEPS): number | null {
  const current = totpStep(nowMs);
  let matched: number | null = null;
  for (let step = current - skew; step <= current + skew; step++) {
    if (hotp(secret, step) === code && matched === null) matched = step;
  }
  return matched;
}

/** otpauth://totp/ISSUER:ACCOUNT?secret=…&issuer=…&algorithm=SHA1&digits=6&period=30 (Key Uri Format). */
export function otpauthUri(secretBase32: string, issuer: string, account: string): string {
  const label = `${encodeURIComponent(issuer)}:${encodeURIComponent(account)}`;
  const query = new URLSearchParams({
    secret: secretBase32,
    issuer,
    algorithm: 'SHA1',
    digits: String(TOTP_DIGITS),
    period: String(TOTP_STEP_SECONDS),
  });
  return `otpauth://totp/${label}?${query.toString()}`;
}
