// The upstream secrets: each read from its own file, or kept in the config file sealed with AES-256-GCM under the
// gateway's seal key (the same sealing the server uses for TOTP secrets). The upstream's name is bound in as
// associated data, so a sealed value moved to another upstream's entry does not open there and cannot be sent to
// the wrong host.
import { randomBytes } from 'node:crypto';
import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { isAbsolute, resolve } from 'node:path';
import { openWithKey, parseTotpKey, sealWithKey } from '../server/totp-seal.js';
import { ConfigError } from './config-file.js';
import type { SecretSource } from './config-schema.js';

export const SEAL_KEY_ENV = 'COUNTERSIGN_GATEWAY_SEAL_KEY';
const MAX_SECRET_CHARS = 8192;

const associatedData = (upstream: string) => `countersign-gateway-upstream:${upstream}`;

/** A file's text without its final line break: secret files are usually written with `echo` or an editor. */
function readSecretFile(file: string, what: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new ConfigError(`${what}: cannot read ${file} (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  return text.replace(/\r?\n$/, '');
}

/** Refuses what cannot travel in a header or query parameter safely. */
export function checkSecretText(secret: string, what: string): string {
  if (secret.length === 0) throw new ConfigError(`${what}: the secret is empty`);
  if (secret.length > MAX_SECRET_CHARS)
    throw new ConfigError(`${what}: the secret is over ${MAX_SECRET_CHARS} characters`);
  if (/[\r\n\0]/.test(secret)) throw new ConfigError(`${what}: the secret may not contain line breaks or NUL`);
  return secret;
}

/** The seal key from the environment (32 bytes, hex or base64) or from its file; null when neither is given. */
export function loadSealKey(file: string | undefined, env: NodeJS.ProcessEnv): Buffer | null {
  const text = env[SEAL_KEY_ENV] ?? (file === undefined ? undefined : readSecretFile(file, 'seal key'));
  if (text === undefined) return null;
  const key = parseTotpKey(text);
  if (!key) {
    throw new ConfigError(
      `The seal key (${file ?? SEAL_KEY_ENV}) must be 32 bytes as 64 hex digits or base64 (e.g. openssl rand -base64 32).`,
    );
  }
  return key;
}

/** For `countersign-gateway seal`: the key file, made now (mode 0600, exclusive create) when missing. */
export function loadOrCreateSealKeyFile(file: string): { key: Buffer; created: boolean } {
  try {
    const key = loadSealKey(file, {});
    if (key) return { key, created: false };
  } catch (error) {
    if (!(error instanceof ConfigError) || !/ENOENT/.test(error.message)) throw error;
  }
  const key = randomBytes(32);
  writeFileSync(file, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
  chmodSync(file, 0o600);
  return { key, created: true };
}

export function sealUpstreamSecret(key: Buffer, upstream: string, secret: string): string {
  return sealWithKey(key, Buffer.from(checkSecretText(secret, 'secret'), 'utf8'), associatedData(upstream));
}

/** The upstream's secret in clear, for the running gateway's memory only. */
export function resolveUpstreamSecret(
  source: SecretSource,
  upstream: string,
  baseDir: string,
  sealKey: Buffer | null,
): string {
  const what = `upstream "${upstream}"`;
  if (source.file !== undefined) {
    const file = isAbsolute(source.file) ? source.file : resolve(baseDir, source.file);
    return checkSecretText(readSecretFile(file, what), what);
  }
  if (!sealKey) {
    throw new ConfigError(
      `${what}: its secret is sealed; give the seal key with --seal-key-file, "seal_key_file" or ${SEAL_KEY_ENV}.`,
    );
  }
  try {
    return checkSecretText(openWithKey(sealKey, source.sealed!, associatedData(upstream)).toString('utf8'), what);
  } catch (error) {
    if (error instanceof ConfigError) throw error;
    throw new ConfigError(
      `${what}: the sealed secret does not open with this seal key (another key, another upstream's value, or altered).`,
    );
  }
}
