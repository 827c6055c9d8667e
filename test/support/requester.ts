// A requester installation as a program holding one would be: its own Ed25519 key pair, registered with an API key
// (POST /v1/installation), signing its session requests and status reads (canonical requester string). For the
// server tests; the requester library's own implementation lives in client/installation.ts.
import type { KeyObject } from 'node:crypto';
import { canonicalRequesterRequest, Header, InstallationCreated } from '../../protocol/index.js';
import { generateDeviceKeyPair, privateKeyObject, sha256Hex, signText } from '../../protocol/crypto.js';
import { type HttpReply, http } from './server.js';

export interface SignOptions {
  /** Sign with this timestamp (unix ms) instead of now. */
  timestamp?: number;
  /** Claim this installation id instead of our own (a signature by another installation). */
  asInstallation?: number;
}

export class TestInstallation {
  private lastTimestamp = 0;

  private constructor(
    readonly server: string,
    readonly id: number,
    readonly publicKey: string,
    readonly fingerprint: string,
    private readonly key: KeyObject,
    private readonly now: () => number,
  ) {}

  /** Registers a fresh key pair with the API key; fails the test unless the server says 200. */
  static async register(
    server: string,
    apiKey: string,
    name = 'test-runner',
    now: () => number = Date.now,
  ): Promise<TestInstallation> {
    const keys = generateDeviceKeyPair();
    const reply = await registerInstallation(server, apiKey, { client_public_key: keys.publicKey, name });
    if (reply.status !== 200) throw new Error(`registration failed: ${reply.status} ${reply.text}`);
    const created = InstallationCreated.parse(reply.json).Response[1].Installation;
    return new TestInstallation(
      server,
      created.id,
      keys.publicKey,
      created.fingerprint,
      privateKeyObject(keys.privateKey),
      now,
    );
  }

  private nextTimestamp(): number {
    this.lastTimestamp = Math.max(this.now(), this.lastTimestamp + 1);
    return this.lastTimestamp;
  }

  /** The three requester headers for a call. */
  sign(method: string, pathWithQuery: string, body: string, options: SignOptions = {}): Record<string, string> {
    const timestamp = String(options.timestamp ?? this.nextTimestamp());
    const canonical = canonicalRequesterRequest({ method, pathWithQuery, timestamp, bodySha256Hex: sha256Hex(body) });
    return {
      [Header.INSTALLATION]: String(options.asInstallation ?? this.id),
      [Header.TIMESTAMP]: timestamp,
      [Header.SIGNATURE]: signText(this.key, canonical),
    };
  }

  /** POST /v1/session-server, signed; headers replaces the signed ones (replays). */
  async attempt(
    apiKey: string,
    options: SignOptions & {
      localAddress?: string;
      headers?: Record<string, string>;
      description?: string;
      /** X-Countersign-Claim to send beside the signed headers. */
      claim?: string;
    } = {},
  ): Promise<HttpReply & { sentHeaders: Record<string, string> }> {
    const body = JSON.stringify({
      secret: apiKey,
      ...(options.description !== undefined ? { description: options.description } : {}),
    });
    const sentHeaders = options.headers ?? this.sign('POST', '/v1/session-server', body, options);
    const reply = await http(`${this.server}/v1/session-server`, {
      method: 'POST',
      headers: {
        ...sentHeaders,
        'content-type': 'application/json',
        ...(options.claim ? { [Header.CLAIM]: options.claim } : {}),
      },
      body,
      localAddress: options.localAddress,
    });
    return { ...reply, sentHeaders };
  }

  /** GET /v1/session-server-request/{uuid}, signed. */
  readStatus(uuid: string, apiKey: string, options: SignOptions = {}): Promise<HttpReply> {
    const path = `/v1/session-server-request/${uuid}`;
    return http(`${this.server}${path}`, {
      headers: { [Header.CLIENT_AUTHENTICATION]: apiKey, ...this.sign('GET', path, '', options) },
    });
  }
}

/** POST /v1/installation with the API key in X-Bunq-Client-Authentication (none: undefined). */
export function registerInstallation(server: string, apiKey: string | undefined, body: unknown): Promise<HttpReply> {
  return http(`${server}/v1/installation`, {
    method: 'POST',
    headers: apiKey === undefined ? {} : { [Header.CLIENT_AUTHENTICATION]: apiKey },
    body,
  });
}
