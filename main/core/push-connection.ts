// One account's push stream: a WebSocket with a signed upgrade that answers pings, notices a silent (dead)
// connection, and reconnects with backoff until stopped. It knows nothing about approvals: every valid server
// message goes to onMessage, every state change to onState.
import type WebSocket from 'ws';
import {
  ErrorEnvelope,
  type ServerMessage as ServerMessageType,
  ServerMessage,
  StreamCloseCode,
} from '../../protocol/index.js';
import type { ConnectionState, Result } from './api.js';
import { type BackoffOptions, backoffDelay } from './backoff.js';
import type { Clock } from './clock.js';
import { CertificateChangedError } from './tls-pin.js';

export type WebSocketConstructor = typeof WebSocket;

/** Silence allowed, in ping intervals, before the connection counts as dead (one lost ping is tolerated). */
export const DEAD_AFTER_PING_INTERVALS = 2.5;
/** Longest wait for the server's hello once the socket is open or for the upgrade itself. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;
const MAX_MESSAGE_BYTES = 256 * 1024;

export interface PushConnectionOptions {
  url: URL;
  /** Signed upgrade headers, made fresh for every attempt (the server refuses a replayed signature). */
  upgradeHeaders: () => Promise<Result<Record<string, string>>>;
  WebSocket: WebSocketConstructor;
  clock: Clock;
  backoff: BackoffOptions;
  onState: (state: ConnectionState) => void;
  onMessage: (message: ServerMessageType) => void;
  /**
   * The upgrade was refused with this status and Date header. True means "our clock was found to be off and is
   * corrected now": the attempt is made again at once, signed anew, once per refusal streak.
   */
  onUpgradeRefused?: (status: number, date: string | null) => boolean;
  /** TLS options for wss:// (the pinned certificate check, a private CA). */
  tls?: Record<string, unknown>;
}

export class PushConnection {
  private socket: WebSocket | null = null;
  /** Consecutive failed attempts since the last hello; decides the next backoff ceiling. */
  private failures = 0;
  private stopped = true;
  /** Bumped by start() and stop(): an attempt begun under another generation is abandoned. */
  private generation = 0;
  private pingIntervalMs: number | null = null;
  private retryTimer: NodeJS.Timeout | null = null;
  private silenceTimer: NodeJS.Timeout | null = null;
  private current: ConnectionState = { state: 'offline', reason: 'Not started.', retryAt: null };
  /** Set once a refusal led to an immediate retry; cleared by the next hello. */
  private retriedAfterClockFix = false;

  constructor(private readonly options: PushConnectionOptions) {}

  get state(): ConnectionState {
    return this.current;
  }

  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    this.generation += 1;
    this.failures = 0;
    void this.connect();
  }

  stop(reason = 'Stopped.'): void {
    this.stopped = true;
    this.generation += 1;
    this.clearTimers();
    this.dropSocket();
    this.setState({ state: 'offline', reason, retryAt: null });
  }

  private async connect(): Promise<void> {
    this.retryTimer = null;
    const generation = this.generation;
    // Retry n waited backoffDelay(n); the very first connection counts as attempt 1 as well.
    this.setState({ state: 'connecting', attempt: Math.max(1, this.failures) });
    const headers = await this.options.upgradeHeaders();
    if (this.stopped || generation !== this.generation) return;
    if (!headers.ok) {
      this.lost(headers.error.message);
      return;
    }
    let socket: WebSocket;
    try {
      socket = new this.options.WebSocket(this.options.url, {
        ...this.options.tls,
        headers: headers.value,
        handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
        maxPayload: MAX_MESSAGE_BYTES,
      });
    } catch (error) {
      this.lost(`Cannot open the connection: ${(error as Error).message}`);
      return;
    }
    this.socket = socket;
    let closeReason: string | null = null;
    // Events of a socket that has been replaced or dropped are ignored: only the current one may change state.
    const isCurrent = () => this.socket === socket && !this.stopped;

    socket.on('unexpected-response', (request, response) => {
      let text = '';
      response.setEncoding('utf8');
      response.on('data', (chunk: string) => {
        if (text.length < 4096) text += chunk;
      });
      response.on('end', () => {
        request.destroy();
        if (!isCurrent()) return;
        const status = response.statusCode ?? 0;
        const date = typeof response.headers.date === 'string' ? response.headers.date : null;
        const clockFixed = this.options.onUpgradeRefused?.(status, date) ?? false;
        if (clockFixed && !this.retriedAfterClockFix) {
          this.retriedAfterClockFix = true;
          this.clearTimers();
          this.dropSocket();
          void this.connect();
          return;
        }
        this.lost(upgradeRefusal(status, text));
      });
      response.on('error', () => request.destroy());
    });
    socket.on('open', () => {
      if (isCurrent()) this.armSilenceTimer(HANDSHAKE_TIMEOUT_MS, 'The server sent no hello after the upgrade.');
    });
    socket.on('ping', () => {
      if (isCurrent()) this.rearmSilenceTimer();
    });
    socket.on('message', (data, isBinary) => {
      if (!isCurrent() || isBinary) return;
      this.onFrame(socket, data.toString());
    });
    socket.on('error', (error) => {
      // Another certificate than the pinned one: retrying cannot help, and must not be tried silently.
      if (isCurrent() && error instanceof CertificateChangedError) {
        this.stop(error.message);
        return;
      }
      closeReason ??= error.message;
    });
    socket.on('close', (code, reasonBuffer) => {
      if (!isCurrent()) return;
      const reason = reasonBuffer.toString() || closeReason;
      if (code === StreamCloseCode.DEVICE_REVOKED) {
        this.stop(`The server revoked this device (${reason ?? code}). Remove the account and pair again.`);
        return;
      }
      this.lost(reason ? `Connection closed: ${reason}` : `Connection closed (code ${code}).`);
    });
  }

  private onFrame(socket: WebSocket, text: string): void {
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      return;
    }
    const parsed = ServerMessage.safeParse(json);
    // A message type this version does not know is skipped, so a newer server can add types without breaking us.
    if (!parsed.success) return;
    const message = parsed.data;
    if (message.type === 'ping' && socket.readyState === socket.OPEN) {
      socket.send(JSON.stringify({ type: 'pong', t: message.t }));
    }
    if (message.type === 'hello') this.pingIntervalMs = message.ping_interval_ms;
    this.rearmSilenceTimer();
    this.options.onMessage(message);
    // After onMessage, so that whoever watches the state sees what the hello told (e.g. the client IP).
    if (message.type === 'hello' && this.socket === socket) {
      this.failures = 0;
      this.retriedAfterClockFix = false;
      this.setState({ state: 'connected', since: new Date(this.options.clock.now()).toISOString() });
    }
  }

  private rearmSilenceTimer(): void {
    if (this.pingIntervalMs === null) return;
    const window = Math.round(this.pingIntervalMs * DEAD_AFTER_PING_INTERVALS);
    this.armSilenceTimer(window, `No ping from the server for ${window / 1000} s: the connection is dead.`);
  }

  private armSilenceTimer(ms: number, reason: string): void {
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.silenceTimer = setTimeout(() => this.lost(reason), ms);
  }

  /** The connection is gone (or never came): schedule the next attempt. */
  private lost(reason: string): void {
    if (this.stopped) return;
    this.clearTimers();
    this.dropSocket();
    this.failures += 1;
    const delay = backoffDelay(this.failures, this.options.backoff);
    const retryAt = this.options.clock.now() + delay;
    this.setState({ state: 'offline', reason, retryAt: new Date(retryAt).toISOString() });
    this.retryTimer = setTimeout(() => void this.connect(), delay);
  }

  private dropSocket(): void {
    const socket = this.socket;
    this.socket = null;
    this.pingIntervalMs = null;
    if (socket) {
      // terminate() does not wait for a closing handshake a dead peer would never answer.
      socket.removeAllListeners('message');
      socket.on('error', () => {});
      socket.terminate();
    }
  }

  private clearTimers(): void {
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.silenceTimer) clearTimeout(this.silenceTimer);
    this.retryTimer = null;
    this.silenceTimer = null;
  }

  private setState(state: ConnectionState): void {
    this.current = state;
    this.options.onState(state);
  }
}

function upgradeRefusal(status: number, body: string): string {
  let description = '';
  try {
    const envelope = ErrorEnvelope.safeParse(JSON.parse(body));
    if (envelope.success) description = envelope.data.Error.map((e) => e.error_description).join(' ');
  } catch {
    // Not JSON (a proxy's error page): the status says enough.
  }
  const what = status === 401 ? 'The server refused this device' : `The server refused the connection (HTTP ${status})`;
  return description ? `${what}: ${description}` : `${what}.`;
}
