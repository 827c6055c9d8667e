// Push messages decided inside a transaction go out only after it commits: a device must never hear about a
// change that was rolled back.
import type { ServerMessage } from '../../protocol/index.js';
import type { PushHub } from './hub.js';

export class Outbox {
  private readonly messages: { userId: number; message: ServerMessage }[] = [];
  private readonly changed = new Set<string>();

  toUser(userId: number, message: ServerMessage): void {
    this.messages.push({ userId, message });
  }

  /** The request's status changed: its requester may be long-polling, and the user's devices must dismiss it. */
  resolved(userId: number, uuid: string, status: 'ACCEPTED' | 'REJECTED' | 'EXPIRED'): void {
    this.toUser(userId, { type: 'approval.resolved', uuid, status });
    this.changed.add(uuid);
  }

  flush(hub: PushHub): void {
    for (const { userId, message } of this.messages) hub.publishToUser(userId, message);
    for (const uuid of this.changed) hub.notifyRequest(uuid);
  }
}
