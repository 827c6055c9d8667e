// Push messages decided inside a transaction go out only after it commits: a device must never hear about a
// change that was rolled back, and a removed device's stream closes only once its removal is committed. This is
// the one way anything is published; on PostgreSQL the other instances are told in the COMMIT's own query.
import { type ServerMessage, StreamCloseCode } from '../../protocol/index.js';
import type { TransactionRepositories } from '../store/types.js';
import type { FinalStatus, PushHub, Published } from './hub.js';

/** The close reason a removed device's stream gets. */
export const DEVICE_REMOVED_REASON = 'This device was removed.';

export class Outbox {
  private readonly messages: { userId: number; message: ServerMessage }[] = [];
  private readonly changed = new Map<string, FinalStatus>();
  private readonly disconnects: Published['disconnects'][number][] = [];

  toUser(userId: number, message: ServerMessage): void {
    this.messages.push({ userId, message });
  }

  /** The request's status changed: its requester may be long-polling, and the user's devices must dismiss it. */
  resolved(userId: number, uuid: string, status: FinalStatus): void {
    this.toUser(userId, { type: 'approval.resolved', uuid, status });
    this.changed.set(uuid, status);
  }

  /** The device was removed: its open streams close, on every instance. */
  deviceRemoved(deviceId: number): void {
    this.disconnects.push({ deviceId, code: StreamCloseCode.DEVICE_REVOKED, reason: DEVICE_REMOVED_REASON });
  }

  /** Whether the other server instances are told with the transaction's commit (the hub attached it there). */
  private toldWithCommit = false;

  /** Last thing in the transaction's work: lets a hub spanning instances send its notices with the commit. */
  attachToCommit(tx: TransactionRepositories, hub: PushHub): void {
    this.toldWithCommit = hub.attachToCommit?.(tx, this.published()) ?? false;
  }

  /** After the commit. */
  flush(hub: PushHub): void {
    if (this.toldWithCommit && hub.deliverHere) {
      hub.deliverHere(this.published());
      return;
    }
    for (const { userId, message } of this.messages) hub.publishToUser(userId, message);
    for (const [uuid, status] of this.changed) hub.notifyRequest(uuid, status);
    for (const { deviceId, code, reason } of this.disconnects) hub.disconnectDevice(deviceId, code, reason);
  }

  private published(): Published {
    const changed = [...this.changed].map(([uuid, status]) => ({ uuid, status }));
    return { messages: this.messages, changed, disconnects: this.disconnects };
  }
}
