// An approver device for the load generator: the real protocol (Ed25519-signed upgrade and calls, signed decisions,
// pong for every ping) with nothing else, so the load generator spends as little as possible per message and a
// push's arrival is timed at the socket, before any parsing. test/support/device.ts is the full test device; this
// one skips its schema check of every message (the tests already prove the messages are valid).
import type { KeyObject } from 'node:crypto';
import { Agent, request } from 'node:http';
import WebSocket from 'ws';
import {
  canonicalDecision,
  canonicalRequest,
  type DecisionKind,
  Header,
  type ServerMessage,
} from '../../protocol/index.js';
import { privateKeyObject, sha256Hex, signText } from '../../protocol/crypto.js';

export interface HttpResult {
  status: number;
  text: string;
}

/** One HTTP exchange over a keep-alive agent (a desktop keeps its connection to the server, as fetch does). */
export function httpExchange(
  url: string,
  method: string,
  body: string | undefined,
  headers: Record<string, string>,
  agent: Agent,
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const all = body === undefined ? headers : { ...headers, 'content-type': 'application/json' };
    const req = request(url, { method, headers: all, agent }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (chunk: Buffer) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

export const keepAliveAgent = () => new Agent({ keepAlive: true, maxSockets: 4 });

/** A push message with the moment (performance.now()) its frame reached this process. */
export type PushListener = (message: ServerMessage, receivedAt: number) => void;

export class BenchDevice {
  private readonly key: KeyObject;
  private lastTimestamp = 0;
  private socket: WebSocket | null = null;
  private readonly listeners = new Set<PushListener>();
  /** Set when the stream has closed: the server's close code (4408 = missed pong, 1001 = shutting down). */
  closeCode: number | null = null;
  /** Called once when the stream closes, with the close code. */
  onClosed: ((code: number) => void) | null = null;

  constructor(
    readonly server: string,
    readonly id: number,
    privateKey: string,
    private readonly agent: Agent = keepAliveAgent(),
  ) {
    this.key = privateKeyObject(privateKey);
  }

  /** The three device headers; timestamps only go up, so two calls in one millisecond are not replays. */
  sign(method: string, pathWithQuery: string, body: string): Record<string, string> {
    this.lastTimestamp = Math.max(Date.now(), this.lastTimestamp + 1);
    const timestamp = String(this.lastTimestamp);
    const canonical = canonicalRequest({ method, pathWithQuery, timestamp, bodySha256Hex: sha256Hex(body) });
    return {
      [Header.DEVICE]: String(this.id),
      [Header.TIMESTAMP]: timestamp,
      [Header.SIGNATURE]: signText(this.key, canonical),
    };
  }

  /** Opens the signed push stream and resolves at the server's hello. */
  connect(localAddress?: string): Promise<void> {
    const path = `/v1/approver-device/${this.id}/stream`;
    const socket = new WebSocket(`${this.server.replace(/^http/, 'ws')}${path}`, {
      headers: this.sign('GET', path, ''),
      perMessageDeflate: false,
      ...(localAddress ? { localAddress } : {}),
    });
    this.socket = socket;
    return new Promise((resolve, reject) => {
      socket.on('message', (data) => {
        const receivedAt = performance.now();
        const message = JSON.parse(data.toString()) as ServerMessage;
        if (message.type === 'ping') socket.send(JSON.stringify({ type: 'pong', t: message.t }));
        else if (message.type === 'hello') resolve();
        for (const listener of this.listeners) listener(message, receivedAt);
      });
      socket.once('unexpected-response', (_req, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
      // Kept for the socket's life: after the hello a late error or close only settles nothing (and crashes nothing).
      socket.on('error', reject);
      socket.once('close', (code) => {
        this.closeCode = code;
        this.onClosed?.(code);
        reject(new Error(`stream closed before hello (${code})`));
      });
    });
  }

  onPush(listener: PushListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** POST …/decision, signed twice as the protocol wants: the call and the decision itself. */
  decide(uuid: string, decision: DecisionKind): Promise<HttpResult> {
    const path = `/v1/session-server-request/${uuid}/decision`;
    const body = JSON.stringify({ decision, signature: signText(this.key, canonicalDecision(uuid, { decision })) });
    return httpExchange(`${this.server}${path}`, 'POST', body, this.sign('POST', path, body), this.agent);
  }

  close(): Promise<void> {
    const socket = this.socket;
    this.agent.destroy();
    if (!socket || socket.readyState === WebSocket.CLOSED) return Promise.resolve();
    return new Promise((resolve) => {
      socket.once('close', () => resolve());
      socket.close();
    });
  }
}

/**
 * Source addresses for many connections: each address has its own ~28 000 ephemeral ports, so 10 000 sockets and
 * the TIME_WAIT left by earlier runs never run out of them.
 */
export function sourceAddress(index: number, spread = 40): string {
  return `127.0.0.${2 + (index % spread)}`;
}
