// Ed25519 and SHA-256 with Node's crypto, in the wire encodings (raw keys and signatures as base64url).
// Kept out of index.ts so that browser bundles importing the schemas never pull in node:crypto.
import {
  createHash,
  createPrivateKey,
  createPublicKey,
  generateKeyPairSync,
  sign,
  verify,
  type KeyObject,
} from 'node:crypto';
import { Base64UrlText, base64UrlIssue } from './base64url.js';

// DER prefixes of an Ed25519 SubjectPublicKeyInfo and PKCS#8 key: the raw 32 bytes follow them.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

/**
 * Decodes base64url, in its canonical form only (protocol/base64url.ts): padding, the standard alphabet, a wrong
 * length or non-zero unused bits throw, so that one byte string never has two accepted spellings. With `bytes`
 * the length must match too.
 */
export function fromBase64Url(text: string, bytes?: number): Buffer {
  const issue = base64UrlIssue(text, bytes);
  if (issue) throw new Error(`Not canonical base64url: ${issue}.`);
  const decoded = Buffer.from(text, 'base64url');
  // Belt and braces: the rule above is exactly "re-encoding gives the input back".
  if (decoded.toString('base64url') !== text)
    throw new Error(`Not canonical base64url: ${Base64UrlText.NOT_CANONICAL}.`);
  return decoded;
}

/** A new device key pair: both halves as raw bytes in base64url (the private half is the 32-byte seed). */
export function generateDeviceKeyPair(): {
  publicKey: string;
  privateKey: string;
} {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const pub = publicKey.export({ format: 'der', type: 'spki' }).subarray(SPKI_PREFIX.length);
  const seed = privateKey.export({ format: 'der', type: 'pkcs8' }).subarray(PKCS8_PREFIX.length);
  return { publicKey: toBase64Url(pub), privateKey: toBase64Url(seed) };
}

export function publicKeyObject(publicKeyB64: string): KeyObject {
  const raw = fromBase64Url(publicKeyB64, 32);
  return createPublicKey({
    key: Buffer.concat([SPKI_PREFIX, raw]),
    format: 'der',
    type: 'spki',
  });
}

export function privateKeyObject(privateKeyB64: string): KeyObject {
  const raw = fromBase64Url(privateKeyB64, 32);
  return createPrivateKey({
    key: Buffer.concat([PKCS8_PREFIX, raw]),
    format: 'der',
    type: 'pkcs8',
  });
}

/** Signs text (UTF-8) and returns the signature in base64url. */
export function signText(privateKey: KeyObject, text: string): string {
  return toBase64Url(sign(null, Buffer.from(text, 'utf8'), privateKey));
}

/** Verifies a base64url signature over text; false (never a throw) for anything malformed or not canonical. */
export function verifyText(publicKey: KeyObject, text: string, signatureB64: string): boolean {
  if (base64UrlIssue(signatureB64, 64) !== null) return false;
  return verifySignature(publicKey, text, Buffer.from(signatureB64, 'base64url'));
}

/** Verifies a raw 64-byte signature over text; false (never a throw) for anything malformed. */
export function verifySignature(publicKey: KeyObject, text: string, signature: Uint8Array): boolean {
  if (signature.length !== 64) return false;
  try {
    return verify(null, Buffer.from(text, 'utf8'), publicKey, signature);
  } catch {
    return false;
  }
}

/**
 * How long a verification waits for libuv's thread pool before it is done inline instead. The pool is shared: a DNS
 * lookup (a webhook receiver's host name) or a slow file operation holds one of its threads (4 by default) until it
 * ends, and a signed call must not wait behind them. A pool that answers later is ignored.
 */
export const THREAD_POOL_PATIENCE_MS = 50;

/**
 * As verifyText, with the Ed25519 work on libuv's thread pool (Node's crypto.verify with a callback): the event loop
 * pays for handing it over and taking the answer (~15 µs) instead of the verification itself (~120 µs), and serves
 * other requests meanwhile; the caller waits a little longer when nothing else is running (~50 µs).
 */
export function verifyTextOffThread(publicKey: KeyObject, text: string, signatureB64: string): Promise<boolean> {
  if (base64UrlIssue(signatureB64, 64) !== null) return Promise.resolve(false);
  return verifySignatureOffThread(publicKey, text, Buffer.from(signatureB64, 'base64url'));
}

/**
 * As verifySignature, on libuv's thread pool (see verifyTextOffThread), or inline when the pool has not answered
 * within THREAD_POOL_PATIENCE_MS; resolves false, never rejects.
 */
export function verifySignatureOffThread(publicKey: KeyObject, text: string, signature: Uint8Array): Promise<boolean> {
  if (signature.length !== 64) return Promise.resolve(false);
  return new Promise((resolve) => {
    let settled = false;
    const settle = (ok: boolean) => {
      if (settled) return;
      settled = true;
      clearTimeout(fallback);
      resolve(ok);
    };
    const fallback = setTimeout(() => settle(verifySignature(publicKey, text, signature)), THREAD_POOL_PATIENCE_MS);
    try {
      verify(null, Buffer.from(text, 'utf8'), publicKey, signature, (error, ok) => settle(error === null && ok));
    } catch {
      settle(false);
    }
  });
}

/**
 * The short fingerprint of an Ed25519 public key (base64url of the raw 32 bytes) that people compare: the first
 * 8 bytes of its SHA-256 in lower-case hex, in four groups of four ("3f1c-9a52-8d4e-4b7a").
 */
export function publicKeyFingerprint(publicKeyB64: string): string {
  const hex = createHash('sha256').update(fromBase64Url(publicKeyB64)).digest('hex').slice(0, 16);
  return hex.match(/.{4}/g)!.join('-');
}
