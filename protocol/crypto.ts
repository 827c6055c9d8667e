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

// DER prefixes of an Ed25519 SubjectPublicKeyInfo and PKCS#8 key: the raw 32 bytes follow them.
const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex');
const PKCS8_PREFIX = Buffer.from('302e020100300506032b657004220420', 'hex');

export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

export function toBase64Url(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('base64url');
}

export function fromBase64Url(text: string): Buffer {
  return Buffer.from(text, 'base64url');
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
  const raw = fromBase64Url(publicKeyB64);
  if (raw.length !== 32) throw new Error('An Ed25519 public key is 32 bytes.');
  return createPublicKey({
    key: Buffer.concat([SPKI_PREFIX, raw]),
    format: 'der',
    type: 'spki',
  });
}

export function privateKeyObject(privateKeyB64: string): KeyObject {
  const raw = fromBase64Url(privateKeyB64);
  if (raw.length !== 32) throw new Error('An Ed25519 private key seed is 32 bytes.');
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

/** Verifies a base64url signature over text; false (never a throw) for anything malformed. */
export function verifyText(publicKey: KeyObject, text: string, signatureB64: string): boolean {
  const sig = fromBase64Url(signatureB64);
  if (sig.length !== 64) return false;
  try {
    return verify(null, Buffer.from(text, 'utf8'), publicKey, sig);
  } catch {
    return false;
  }
}

/**
 * The short fingerprint of an Ed25519 public key (base64url of the raw 32 bytes) that people compare: the first
 * 8 bytes of its SHA-256 in lower-case hex, in four groups of four ("3f1c-9a52-8d4e-4b7a").
 */
export function publicKeyFingerprint(publicKeyB64: string): string {
  const hex = createHash('sha256').update(fromBase64Url(publicKeyB64)).digest('hex').slice(0, 16);
  return hex.match(/.{4}/g)!.join('-');
}
