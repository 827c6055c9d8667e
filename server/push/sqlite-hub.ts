// The push hub of a server on a SQLite file. countersign-admin works on the same file from another process and
// cannot reach this one's streams; so this hub watches the enrolment audit trail and delivers the pairings and
// removals it did not publish itself (an operator removing a device): the user's other devices are told, and the
// removed device's streams close. Everything else is the in-process hub.
import { StreamCloseCode, type ServerMessage } from '../../protocol/index.js';
import { deviceEventMessage } from '../views/device-events.js';
import type { Store } from '../store/types.js';
import { type DeviceStream, type FinalStatus, type HubStats, InProcessHub, type PushHub } from './hub.js';
import type { HubLog } from './pg-listener.js';
import { DEVICE_REMOVED_REASON } from './outbox.js';

/** How often the audit trail is read for events from another process (one indexed read of nothing, mostly). */
export const FOREIGN_EVENT_POLL_MS = 500;

export class SqliteHub implements PushHub {
  private readonly local = new InProcessHub();
  /** Every event up to this id has been delivered (or was there before this server started). */
  private cursor: number;
  /** Events published here past the cursor: the watch skips them. */
  private readonly publishedHere = new Set<number>();
  private readonly timer: NodeJS.Timeout;
  private catchingUp: Promise<void> | null = null;

  private constructor(
    private readonly store: Store,
    lastEventId: number,
    private readonly log: HubLog,
    pollMs: number,
  ) {
    this.cursor = lastEventId;
    this.timer = setInterval(() => void this.catchUp(), pollMs);
    this.timer.unref();
  }

  static async start(store: Store, log: HubLog, pollMs = FOREIGN_EVENT_POLL_MS): Promise<SqliteHub> {
    return new SqliteHub(store, await store.deviceEvents.lastId(), log, pollMs);
  }

  attach(stream: DeviceStream): void {
    this.local.attach(stream);
  }

  detach(stream: DeviceStream): void {
    this.local.detach(stream);
  }

  publishToUser(userId: number, message: ServerMessage): void {
    if ((message.type === 'device.paired' || message.type === 'device.removed') && message.event_id > this.cursor) {
      this.publishedHere.add(message.event_id);
    }
    this.local.publishToUser(userId, message);
  }

  /** One server serves a SQLite file: its own streams are all there are. */
  approverOnline(userId: number): Promise<boolean> {
    return this.local.approverOnline(userId);
  }

  disconnectDevice(deviceId: number, code: number, reason: string): void {
    this.local.disconnectDevice(deviceId, code, reason);
  }

  disconnectAll(code: number, reason: string): void {
    this.local.disconnectAll(code, reason);
  }

  waitForRequest(uuid: string, timeoutMs: number, signal: AbortSignal): Promise<FinalStatus | null> {
    return this.local.waitForRequest(uuid, timeoutMs, signal);
  }

  stats(): HubStats {
    return this.local.stats();
  }

  notifyRequest(uuid: string, status?: FinalStatus): void {
    this.local.notifyRequest(uuid, status);
  }

  /** Delivers the events another process wrote since the last look. */
  catchUp(): Promise<void> {
    this.catchingUp ??= this.readNew()
      .catch((error: unknown) => this.log.error({ err: error }, 'push hub: could not read the device audit trail'))
      .finally(() => {
        this.catchingUp = null;
      });
    return this.catchingUp;
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    await this.catchingUp;
  }

  private async readNew(): Promise<void> {
    for (const event of await this.store.deviceEvents.after(this.cursor)) {
      this.cursor = event.id;
      if (this.publishedHere.delete(event.id)) continue;
      this.local.publishToUser(event.userId, deviceEventMessage(event));
      if (event.kind === 'removed') {
        this.local.disconnectDevice(event.deviceId, StreamCloseCode.DEVICE_REVOKED, DEVICE_REMOVED_REASON);
      }
    }
  }
}
