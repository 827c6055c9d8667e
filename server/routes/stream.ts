// The push stream: hello, every PENDING request of the user, then whatever the hub publishes; a JSON ping every
// interval that must be answered before the next one.
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { ClientMessage, IdParam, type ServerMessage, StreamCloseCode } from '../../protocol/index.js';
import type { ServerConfig } from '../config.js';
import { clientIp } from '../http/client-ip.js';
import type { Router } from '../http/router.js';
import { approvalRequestView, iso } from '../views/wire.js';
import type { DeviceStream, PushHub } from '../push/hub.js';
import type { Services } from '../services/index.js';

function parseClientMessage(data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean) {
  if (isBinary) return null;
  const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as Buffer);
  try {
    const parsed = ClientMessage.safeParse(JSON.parse(bytes.toString('utf8')));
    return parsed.success ? parsed.data : null;
  } catch {
    return null;
  }
}

/** Sends when the socket is open. One function for every stream rather than a closure per stream (memory). */
function sendTo(socket: WebSocket, message: ServerMessage): void {
  if (socket.readyState === socket.OPEN) socket.send(JSON.stringify(message));
}

/*
 * Memory. A server holds thousands of idle streams, so an open stream keeps one PushStream and nothing else of
 * ours: its methods are on the prototype, the socket's listeners are module functions that find it through the
 * socket (ws calls them with the socket as `this`), every stream's pings come from one timer (Heartbeats), and
 * nothing of the upgrade (request, logger, device row) stays reachable. A closure per stream would cost its own
 * function object and keep its whole scope alive.
 */

const kStream = Symbol('push stream');
type StreamSocket = WebSocket & { [kStream]?: PushStream };

/** One open push stream: what the hub delivers to, and what the heartbeat pings. */
class PushStream implements DeviceStream {
  /** Messages published while the PENDING list is being read wait here (so none is lost or sent twice); then null. */
  backlog: ServerMessage[] | null = [];
  /** The `t` of the ping not answered yet, or null. */
  awaitingPong: number | null = null;
  /** When the next ping is due (Heartbeats' clock), and the neighbours in Heartbeats' list. */
  due = 0;
  prev: PushStream | null = null;
  next: PushStream | null = null;

  constructor(
    readonly socket: WebSocket,
    readonly deviceId: number,
    readonly userId: number,
    readonly shared: Shared,
  ) {}

  send(message: ServerMessage): void {
    if (this.backlog) this.backlog.push(message);
    else sendTo(this.socket, message);
  }

  close(code: number, reason: string): void {
    this.socket.close(code, reason);
  }

  /** The heartbeat is due: a ping, or the close if the last one went unanswered. */
  beat(): void {
    if (this.awaitingPong !== null) {
      this.socket.close(StreamCloseCode.HEARTBEAT_TIMEOUT, 'No pong to the last ping.');
      return;
    }
    this.awaitingPong = Date.now();
    sendTo(this.socket, { type: 'ping', t: this.awaitingPong });
  }

  /** The PENDING list has been sent (its uuids in `sent`): what was published meanwhile follows, then live. */
  flushBacklog(sent: ReadonlySet<string>): void {
    const queued = this.backlog ?? [];
    this.backlog = null;
    for (const message of queued) {
      if (message.type === 'approval.requested' && sent.has(message.request.uuid)) continue;
      sendTo(this.socket, message);
    }
  }
}

/** What every stream of one server shares. */
interface Shared {
  hub: PushHub;
  heartbeats: Heartbeats;
}

function onSocketMessage(this: StreamSocket, data: Buffer | ArrayBuffer | Buffer[], isBinary: boolean): void {
  const stream = this[kStream];
  const message = parseClientMessage(data, isBinary);
  if (!message) {
    this.close(StreamCloseCode.BAD_MESSAGE, 'Not a valid client message.');
    return;
  }
  if (stream && message.type === 'pong' && message.t === stream.awaitingPong) stream.awaitingPong = null;
}

function onSocketClose(this: StreamSocket): void {
  const stream = this[kStream];
  if (!stream) return;
  stream.shared.heartbeats.remove(stream);
  stream.shared.hub.detach(stream);
}

/**
 * The pings of every stream, from one timer: a ping every intervalMs on each stream from its opening on, as a
 * setInterval per stream would send them, without a Timeout and a closure per stream. All streams have the same
 * interval, so a list in order of the next ping's due time only ever grows at its tail.
 */
class Heartbeats {
  private head: PushStream | null = null;
  private tail: PushStream | null = null;
  private timer: NodeJS.Timeout | null = null;
  /** Whole milliseconds of a monotonic clock: a small integer per stream, not a boxed double. */
  private readonly now = () => Math.floor(performance.now());

  constructor(private readonly intervalMs: number) {}

  add(stream: PushStream): void {
    stream.due = this.now() + this.intervalMs;
    this.append(stream);
    if (!this.timer) this.schedule();
  }

  remove(stream: PushStream): void {
    if (stream.prev) stream.prev.next = stream.next;
    else if (this.head === stream) this.head = stream.next;
    else return;
    if (stream.next) stream.next.prev = stream.prev;
    else this.tail = stream.prev;
    stream.prev = null;
    stream.next = null;
    if (!this.head && this.timer) {
      clearTimeout(this.timer);
      this.timer = null;
    }
  }

  private append(stream: PushStream): void {
    stream.prev = this.tail;
    stream.next = null;
    if (this.tail) this.tail.next = stream;
    else this.head = stream;
    this.tail = stream;
  }

  private schedule(): void {
    const head = this.head;
    this.timer = head ? setTimeout(() => this.tick(), Math.max(0, head.due - this.now())) : null;
  }

  private tick(): void {
    const now = this.now();
    // Each due stream moves to the tail before its beat, so a beat that closes the stream (whose 'close' event
    // comes later and removes it) leaves the list consistent.
    while (this.head && this.head.due <= now) {
      const stream = this.head;
      this.remove(stream);
      stream.due = now + this.intervalMs;
      this.append(stream);
      stream.beat();
    }
    this.schedule();
  }
}

export function streamRoutes(router: Router, deps: { services: Services; hub: PushHub; config: ServerConfig }): void {
  const { services, hub, config } = deps;
  const shared: Shared = { hub, heartbeats: new Heartbeats(config.pingIntervalMs) };
  router.stream({
    url: '/v1/approver-device/:id/stream',
    operationId: 'openDeviceStream',
    summary: 'WebSocket push stream of the device (messages: protocol/push.ts ServerMessage, ClientMessage).',
    params: z.object({ id: IdParam }),
    handler: (socket: WebSocket, { request, device }) => {
      const stream = new PushStream(socket, device.id, device.userId, shared);
      (socket as StreamSocket)[kStream] = stream;
      hub.attach(stream);
      shared.heartbeats.add(stream);
      socket.on('message', onSocketMessage);
      socket.on('close', onSocketClose);

      sendTo(socket, {
        type: 'hello',
        device_id: device.id,
        user_id: device.userId,
        client_ip: clientIp(request),
        server_time: iso(config.now()),
        ping_interval_ms: config.pingIntervalMs,
      });
      // These callbacks hold the request only until the PENDING list has been read.
      const sent = new Set<string>();
      void services.approvals
        .pendingForUser(device.userId)
        .then((pending) => {
          for (const row of pending) {
            sent.add(row.uuid);
            sendTo(socket, { type: 'approval.requested', request: approvalRequestView(row) });
          }
        })
        .catch((error: unknown) => {
          request.log.error({ err: error }, 'could not read pending requests for the push stream');
          socket.close(1011, 'Server error.');
        })
        .finally(() => stream.flushBacklog(sent));
    },
  });
}
