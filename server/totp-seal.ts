// The operator's key that seals the devices' TOTP secrets at rest (AES-256-GCM): a stolen database file alone
// does not give anyone the codes. The key comes from --totp-key / COUNTERSIGN_TOTP_KEY (32 bytes, base64 or hex);
// without one the server makes one in a file beside the database (mode 0600) and says so when it starts.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { makePrivateDir } from './private-files.js';

const KEY_BYTES = 32;
const IV_BYTES = 12;
const TAG_BYTES = 16;
/** Version prefix of a sealed value, so that a later format can be told apart. */
const SEALED_PREFIX = 'v1.';

/** Reads 32 bytes given as hex (64 characters) or base64/base64url; null when the text is neither. */
export function parseTotpKey(text: string): Buffer | null {
  const trimmed = text.trim();
  if (/^[0-9a-fA-F]{64}$/.test(trimmed)) return Buffer.from(trimmed, 'hex');
  if (/^[A-Za-z0-9+/_-]{43}=?$/.test(trimmed)) {
    const key = Buffer.from(trimmed, 'base64');
    if (key.length === KEY_BYTES) return key;
  }
  return null;
}

/** The key file made beside the database when the operator gives no key. */
export function totpKeyFileFor(dbPath: string): string {
  return `${dbPath}.totp-key`;
}

/**
 * Loads the key file, or creates it (0600, exclusive create so two starting servers cannot each write their own).
 * Returns the key and whether it was made now.
 */
export function loadOrCreateTotpKeyFile(path: string): { key: Buffer; created: boolean } {
  try {
    const key = parseTotpKey(readFileSync(path, 'utf8'));
    if (!key) throw new Error(`${path} does not hold a TOTP key (32 bytes as hex or base64).`);
    return { key, created: false };
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const key = randomBytes(KEY_BYTES);
  makePrivateDir(dirname(path));
  try {
    writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  } catch (error) {
    // Another process made it between our read and write: use theirs.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return loadOrCreateTotpKeyFile(path);
    throw error;
  }
  chmodSync(path, 0o600);
  return { key, created: true };
}

/**
 * AES-256-GCM under a 32-byte key, with associated data that names what the value belongs to (so a sealed value
 * copied to another row or another place does not open there). The sealed form is "v1." + base64url(iv | tag | body).
 * Also used by countersign-gateway for the upstream secrets in its config file.
 */
export function sealWithKey(key: Buffer, plain: Buffer, associatedData: string): string {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(associatedData));
  const body = Buffer.concat([cipher.update(plain), cipher.final()]);
  return SEALED_PREFIX + Buffer.concat([iv, cipher.getAuthTag(), body]).toString('base64url');
}

/** Throws when the value was sealed with another key, for other associated data, or altered. */
export function openWithKey(key: Buffer, sealed: string, associatedData: string): Buffer {
  if (!sealed.startsWith(SEALED_PREFIX)) throw new Error('unknown sealed value format');
  const raw = Buffer.from(sealed.slice(SEALED_PREFIX.length), 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', key, raw.subarray(0, IV_BYTES));
  decipher.setAAD(Buffer.from(associatedData));
  decipher.setAuthTag(raw.subarray(IV_BYTES, IV_BYTES + TAG_BYTES));
  return Buffer.concat([decipher.update(raw.subarray(IV_BYTES + TAG_BYTES)), decipher.final()]);
}

export class TotpSealer {
  constructor(private readonly key: Buffer) {
    if (key.length !== KEY_BYTES) throw new Error(`The TOTP key must be ${KEY_BYTES} bytes.`);
  }

  /** The device id is bound in as associated data: a sealed secret copied to another device's row does not open. */
  seal(secret: Buffer, deviceId: number): string {
    return sealWithKey(this.key, secret, `device:${deviceId}`);
  }

  /** Throws when the value was sealed with another key, for another device, or altered. */
  open(sealed: string, deviceId: number): Buffer {
    return openWithKey(this.key, sealed, `device:${deviceId}`);
  }
}
