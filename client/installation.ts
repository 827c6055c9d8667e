// The requester's installation: one Ed25519 key pair per machine and API key, registered with the server on first
// use (POST /v1/installation) and kept in the identity store; and the signature it puts on each call.
import { hostname } from 'node:os';
import type { KeyObject } from 'node:crypto';
import { canonicalRequesterRequest, Header, InstallationCreated } from '../protocol/index.js';
import { generateDeviceKeyPair, privateKeyObject, sha256Hex, signText } from '../protocol/crypto.js';
import { CountersignError } from './errors.js';
import { errorFromReply, parseReply, send, serverUrl } from './http.js';
import type { IdentityStore } from './identity-store.js';

/** Signs requester calls as one registered installation. */
export interface InstallationSigner {
  readonly id: number;
  /** The three requester headers for one call (path with query, exactly as sent; body bytes as sent). */
  headers(method: string, pathWithQuery: string, body: Buffer | undefined): Record<string, string>;
}

interface StoredInstallation {
  installation_id: number;
  private_key: string;
  public_key: string;
}

/** The account an installation is kept under: the server's origin and a short hash of the API key (not the key). */
export function installationAccount(server: string, apiKey: string): string {
  return `installation ${serverUrl(server).origin} ${sha256Hex(apiKey).slice(0, 16)}`;
}

/** The account `countersign-session login` keeps the API key for a server under. */
export function apiKeyAccount(server: string): string {
  return `api-key ${serverUrl(server).origin}`;
}

function signer(stored: StoredInstallation): InstallationSigner {
  const key: KeyObject = privateKeyObject(stored.private_key);
  let last = 0;
  return {
    id: stored.installation_id,
    headers(method, pathWithQuery, body) {
      // Strictly increasing: two calls in one millisecond must not sign the same string (a replay to the server).
      last = Math.max(Date.now(), last + 1);
      const timestamp = String(last);
      const canonical = canonicalRequesterRequest({
        method,
        pathWithQuery,
        timestamp,
        bodySha256Hex: sha256Hex(body ?? Buffer.alloc(0)),
      });
      return {
        [Header.INSTALLATION]: String(stored.installation_id),
        [Header.TIMESTAMP]: timestamp,
        [Header.SIGNATURE]: signText(key, canonical),
      };
    },
  };
}

export interface InstallationOptions {
  server: string;
  apiKey: string;
  store: IdentityStore;
  /** Shown to the key owner (default: this machine's host name). */
  name?: string;
  insecureHttp?: boolean;
  localAddress?: string;
  signal?: AbortSignal;
}

/**
 * The installation for this server and API key: the stored one, or a new key pair registered now and stored. A
 * server that does not know installations (404) gives null: the caller then goes on unsigned.
 */
export async function ensureInstallation(options: InstallationOptions): Promise<InstallationSigner | null> {
  const account = installationAccount(options.server, options.apiKey);
  const stored = await options.store.read(account);
  if (stored !== null) {
    try {
      return signer(JSON.parse(stored) as StoredInstallation);
    } catch {
      // Unreadable: make a new one below.
    }
  }
  const keys = generateDeviceKeyPair();
  const reply = await send({
    server: options.server,
    method: 'POST',
    path: '/v1/installation',
    headers: { [Header.CLIENT_AUTHENTICATION]: options.apiKey },
    body: { client_public_key: keys.publicKey, name: (options.name ?? hostname()).slice(0, 100) || 'requester' },
    insecureHttp: options.insecureHttp,
    localAddress: options.localAddress,
    signal: options.signal,
    idleTimeoutMs: 15_000,
  });
  if (reply.status === 404) return null;
  if (reply.status !== 200) throw errorFromReply(reply);
  const created = parseReply(reply, InstallationCreated, 'POST /v1/installation').Response[0].Id.id;
  const record: StoredInstallation = {
    installation_id: created,
    private_key: keys.privateKey,
    public_key: keys.publicKey,
  };
  await options.store.write(account, JSON.stringify(record));
  return signer(record);
}

/** Forgets the stored installation (the server no longer knows it), so the next ensureInstallation registers anew. */
export async function forgetInstallation(options: Pick<InstallationOptions, 'server' | 'apiKey' | 'store'>) {
  await options.store.remove(installationAccount(options.server, options.apiKey));
}

export function isUnknownInstallation(error: unknown): boolean {
  return (
    error instanceof CountersignError &&
    error.status === 401 &&
    /X-Countersign-Installation: no installation/.test(error.message)
  );
}
