// The push stream: hello, every PENDING request of the user, then whatever the hub publishes; a JSON ping every
// interval that must be answered before the next one.
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { ClientMessage, IdParam, type ServerMessage, StreamCloseCode } from '../../protocol/index.js';
import type { ServerConfig } from '../config.js';
import { clientIp } from '../http/client-ip.js';
import type { Router } from '../http/router.js';
import { approvalRequestView, iso } from '../views/wire.js';
import type { PushHub } from '../push/hub.js';
import type { UnitOfWork } from '../store/types.js';

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

export function streamRoutes(router: Router, deps: { store: UnitOfWork; hub: PushHub; config: ServerConfig }): void {
  const { store, hub, config } = deps;
  router.stream({
    url: '/v1/approver-device/:id/stream',
    operationId: 'openDeviceStream',
    summary: 'WebSocket push stream of the device (messages: protocol/push.ts ServerMessage, ClientMessage).',
    params: z.object({ id: IdParam }),
    handler: (socket: WebSocket, { request, device }) => {
      // Read what is needed from the upgrade request now: a closure that used `request` would keep it (headers and
      // all) alive for as long as the stream is open.
      const ip = clientIp(request);
      const log = request.log;
      // Messages published while the PENDING list is being read wait here, so none is lost or sent twice.
      let backlog: ServerMessage[] | null = [];
      const sentUuids = new Set<string>();
      // Methods, not arrow-function properties: the server runs under tsx, whose keepNames gives every named arrow
      // function its own `name` property — a few hundred bytes per open stream each; a method needs none.
      const detach = hub.attach({
        deviceId: device.id,
        userId: device.userId,
        send(message) {
          if (backlog) backlog.push(message);
          else sendTo(socket, message);
        },
        close(code, reason) {
          socket.close(code, reason);
        },
      });

      let awaitingPong: number | null = null;
      const heartbeat = setInterval(() => {
        if (awaitingPong !== null) {
          socket.close(StreamCloseCode.HEARTBEAT_TIMEOUT, 'No pong to the last ping.');
          return;
        }
        awaitingPong = Date.now();
        sendTo(socket, { type: 'ping', t: awaitingPong });
      }, config.pingIntervalMs);

      socket.on('message', (data, isBinary) => {
        const message = parseClientMessage(data, isBinary);
        if (!message) {
          socket.close(StreamCloseCode.BAD_MESSAGE, 'Not a valid client message.');
          return;
        }
        if (message.type === 'pong' && message.t === awaitingPong) awaitingPong = null;
      });
      socket.on('close', () => {
        clearInterval(heartbeat);
        detach();
      });

      sendTo(socket, {
        type: 'hello',
        device_id: device.id,
        user_id: device.userId,
        client_ip: ip,
        server_time: iso(config.now()),
        ping_interval_ms: config.pingIntervalMs,
      });
      void store
        .read((db) => db.requests.pendingForUser(device.userId, config.now()))
        .then((pending) => {
          for (const row of pending) {
            sentUuids.add(row.uuid);
            sendTo(socket, { type: 'approval.requested', request: approvalRequestView(row) });
          }
        })
        .catch((error: unknown) => {
          log.error({ err: error }, 'could not read pending requests for the push stream');
          socket.close(1011, 'Server error.');
        })
        .finally(() => {
          const queued = backlog ?? [];
          backlog = null;
          for (const message of queued) {
            if (message.type === 'approval.requested' && sentUuids.has(message.request.uuid)) continue;
            sendTo(socket, message);
          }
        });
    },
  });
}
