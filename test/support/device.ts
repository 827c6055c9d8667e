// A test approver device that speaks the real protocol: a real Ed25519 key pair (protocol/crypto.ts), signed HTTP
// calls, a real WebSocket push stream, signed decisions. Every message the server pushes is checked against the
// protocol's ServerMessage schema.
import type { KeyObject } from 'node:crypto';
import WebSocket from 'ws';
import {
  ApproverDeviceCreated,
  canonicalDecision,
  canonicalRequest,
  type DecisionKind,
  type DecisionScope,
  Header,
  type ServerMessage as ServerMessageType,
  ServerMessage,
} from '../../protocol/index.js';
import { generateDeviceKeyPair, privateKeyObject, sha256Hex, signText } from '../../protocol/crypto.js';
import { type HttpReply, http } from './server.js';

export interface DecideOptions {
  decision: DecisionKind;
  binding_code?: string;
  trust_ip?: boolean;
  deactivate_credential?: boolean;
  /** What the approval covers besides this session (signed: canonical decision string v2). */
  scope?: DecisionScope;
}

export interface SignedRequestOptions {
  /** Sign with this timestamp (unix ms) instead of now. */
  timestamp?: number;
  /** Send these exact headers instead of freshly signed ones (replays). */
  headers?: Record<string, string>;
  /** Extra headers besides the signed ones. */
  extraHeaders?: Record<string, string>;
  localAddress?: string;
}

export interface SignedReply extends HttpReply {
  /** The device headers that were sent, for replaying them. */
  sentHeaders: Record<string, string>;
}

export class TestDevice {
  /** Timestamps only go up, so two calls in one millisecond never sign the same string (that would be a replay). */
  private lastTimestamp = 0;

  private constructor(
    readonly server: string,
    readonly id: number,
    readonly userId: number,
    readonly userName: string,
    readonly publicKey: string,
    private readonly key: KeyObject,
    /** The base32 TOTP secret from the pairing reply (the offline code fallback). */
    readonly totpSecret: string,
  ) {}

  /** Pairs a new device with a one-time code: POST /v1/approver-device with a freshly made key pair. */
  static async pair(serverUrl: string, code: string, name = 'test-device'): Promise<TestDevice> {
    const keys = generateDeviceKeyPair();
    const reply = await http(`${serverUrl}/v1/approver-device`, {
      method: 'POST',
      body: { pairing_code: code, public_key: keys.publicKey, name, platform: 'linux' },
    });
    if (reply.status !== 200) throw new Error(`pairing failed: ${reply.status} ${reply.text}`);
    const created = ApproverDeviceCreated.parse(reply.json);
    const device = created.Response[1].ApproverDevice;
    const totp = created.Response[2]?.ApproverDeviceTotp;
    if (!totp) throw new Error('the pairing reply carries no TOTP secret');
    return new TestDevice(
      serverUrl,
      device.id,
      device.user_id,
      device.user_name,
      keys.publicKey,
      privateKeyObject(keys.privateKey),
      totp.totp_secret,
    );
  }

  private nextTimestamp(): number {
    this.lastTimestamp = Math.max(Date.now(), this.lastTimestamp + 1);
    return this.lastTimestamp;
  }

  /** The three device headers for a call. */
  sign(method: string, pathWithQuery: string, body: string, timestamp = this.nextTimestamp()): Record<string, string> {
    const canonical = canonicalRequest({
      method,
      pathWithQuery,
      timestamp: String(timestamp),
      bodySha256Hex: sha256Hex(body),
    });
    return {
      [Header.DEVICE]: String(this.id),
      [Header.TIMESTAMP]: String(timestamp),
      [Header.SIGNATURE]: signText(this.key, canonical),
    };
  }

  /** A signed HTTP call; body objects are sent as JSON (the exact bytes signed). */
  async request(
    method: string,
    path: string,
    body?: unknown,
    options: SignedRequestOptions = {},
  ): Promise<SignedReply> {
    const text = body === undefined ? '' : typeof body === 'string' ? body : JSON.stringify(body);
    const sentHeaders = options.headers ?? this.sign(method, path, text, options.timestamp);
    const reply = await http(`${this.server}${path}`, {
      method,
      headers: {
        ...sentHeaders,
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...options.extraHeaders,
      },
      body: body === undefined ? undefined : text,
      localAddress: options.localAddress,
    });
    return { ...reply, sentHeaders };
  }

  /** The decision signature over the canonical decision string. */
  signDecision(uuid: string, decision: DecideOptions): string {
    return signText(this.key, canonicalDecision(uuid, decision));
  }

  /** POST …/decision with a correctly signed decision. */
  decide(uuid: string, decision: DecideOptions): Promise<SignedReply> {
    return this.request('POST', `/v1/session-server-request/${uuid}/decision`, {
      ...decision,
      signature: this.signDecision(uuid, decision),
    });
  }

  /** Opens the push stream; resolves once the WebSocket is open (the hello is then first in the queue). */
  connect(
    options: { autoPong?: boolean; headers?: Record<string, string>; streamOf?: number } = {},
  ): Promise<TestStream> {
    // streamOf: ask for another device's stream (which the server must refuse).
    const path = `/v1/approver-device/${options.streamOf ?? this.id}/stream`;
    const url = `${this.server.replace(/^http/, 'ws')}${path}`;
    const socket = new WebSocket(url, { headers: options.headers ?? this.sign('GET', path, '') });
    const stream = new TestStream(socket, options.autoPong ?? true);
    return new Promise((resolvePromise, reject) => {
      socket.once('open', () => resolvePromise(stream));
      socket.once('unexpected-response', (_request, response) => {
        reject(new UpgradeRefused(response.statusCode ?? 0));
        response.resume();
      });
      socket.once('error', reject);
    });
  }
}

/** The server answered the WebSocket upgrade with an HTTP status instead of switching protocols. */
export class UpgradeRefused extends Error {
  constructor(readonly status: number) {
    super(`WebSocket upgrade refused with HTTP ${status}`);
  }
}

/** Without a type, any message but a ping; with one, that type only. */
function accepts(type: string | undefined, message: ServerMessageType): boolean {
  return type === undefined ? message.type !== 'ping' : message.type === type;
}

type Waiter = { type: string | undefined; resolve(message: ServerMessageType): void; reject(error: Error): void };

/** One push stream: a queue of validated server messages, and how it ended. */
export class TestStream {
  /** Every message received, in order (including those already taken by next()). */
  readonly received: ServerMessageType[] = [];
  private readonly queue: ServerMessageType[] = [];
  private readonly waiters: Waiter[] = [];
  private failure: Error | null = null;
  readonly closed: Promise<{ code: number; reason: string }>;

  constructor(
    readonly socket: WebSocket,
    private readonly autoPong: boolean,
  ) {
    socket.on('message', (data) => this.receive(data.toString()));
    this.closed = new Promise((resolvePromise) => {
      socket.once('close', (code, reason) => {
        this.fail(new Error(`stream closed (${code} ${reason.toString()})`));
        resolvePromise({ code, reason: reason.toString() });
      });
    });
  }

  private receive(text: string): void {
    const parsed = ServerMessage.safeParse(JSON.parse(text));
    if (!parsed.success) {
      this.fail(new Error(`server sent a message outside the protocol: ${text}\n${parsed.error.message}`));
      return;
    }
    const message = parsed.data;
    this.received.push(message);
    if (message.type === 'ping' && this.autoPong) this.send(JSON.stringify({ type: 'pong', t: message.t }));
    const index = this.waiters.findIndex((w) => accepts(w.type, message));
    if (index >= 0) {
      const [waiter] = this.waiters.splice(index, 1);
      waiter!.resolve(message);
    } else {
      this.queue.push(message);
    }
  }

  private fail(error: Error): void {
    this.failure ??= error;
    for (const waiter of this.waiters.splice(0)) waiter.reject(error);
  }

  /**
   * The next message (of the given type: earlier messages of other types stay queued). Pings are skipped unless
   * asked for by type.
   */
  next<T extends ServerMessageType['type']>(
    type?: T,
    timeoutMs = 10_000,
  ): Promise<Extract<ServerMessageType, { type: T }>> {
    const wanted = type ?? undefined;
    const index = this.queue.findIndex((m) => accepts(wanted, m));
    if (index >= 0) return Promise.resolve(this.queue.splice(index, 1)[0] as Extract<ServerMessageType, { type: T }>);
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolvePromise, reject) => {
      const waiter: Waiter = {
        type: wanted,
        resolve: (m) => {
          clearTimeout(timer);
          resolvePromise(m as Extract<ServerMessageType, { type: T }>);
        },
        reject: (error) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      const timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        reject(new Error(`no ${wanted ?? 'message'} within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiters.push(waiter);
    });
  }

  /** Messages waiting in the queue, not yet taken by next(). */
  pending(): readonly ServerMessageType[] {
    return this.queue;
  }

  send(text: string): void {
    if (this.socket.readyState === WebSocket.OPEN) this.socket.send(text);
  }

  async close(): Promise<void> {
    if (this.socket.readyState !== WebSocket.CLOSED) this.socket.close();
    await this.closed;
  }
}
