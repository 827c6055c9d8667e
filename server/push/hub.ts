// The push hub: who is connected, and who is waiting for a request to change. Behind an interface so that a
// hub spanning several server instances (postgres-hub.ts, LISTEN/NOTIFY) can stand in for this in-process one.
import type { ServerMessage } from '../../protocol/index.js';
import type { TransactionRepositories } from '../store/types.js';

/** One open push stream of one device. */
export interface DeviceStream {
  deviceId: number;
  userId: number;
  send(message: ServerMessage): void;
  close(code: number, reason: string): void;
}

export interface PushHub {
  /** Registers an open stream; detach(stream) unregisters it. */
  attach(stream: DeviceStream): void;
  /** Unregisters a stream attach() registered (again: nothing happens). */
  detach(stream: DeviceStream): void;
  /** Sends a message to every open stream of the user's devices (news about a device: to the others only). */
  publishToUser(userId: number, message: ServerMessage): void;
  /** Closes every open stream of one device (it was removed). */
  disconnectDevice(deviceId: number, code: number, reason: string): void;
  /** Closes every stream (the server is shutting down). */
  disconnectAll(code: number, reason: string): void;
  /**
   * Resolves when notifyRequest(uuid) is called (or was, moments ago), after timeoutMs, or when signal aborts;
   * whichever is first. With the status the request changed to when the wake came with one (a change committed on
   * this instance), else null: the waiter then reads the request to learn what became of it.
   */
  waitForRequest(uuid: string, timeoutMs: number, signal: AbortSignal): Promise<FinalStatus | null>;
  /** Wakes everyone waiting on the request: its status changed (for good: it left PENDING), to status if known. */
  notifyRequest(uuid: string, status?: FinalStatus): void;
  /** Whether some device of the user has an open push stream, here or (several instances) on another instance. */
  approverOnline(userId: number): Promise<boolean>;
  /**
   * Optional, for a hub spanning instances over the database: attaches to the transaction what the other instances
   * must hear of what it publishes, to go out with its commit (and only if it commits). False when the
   * transaction cannot carry them; the publishes then go out as usual after the commit.
   */
  attachToCommit?(tx: TransactionRepositories, published: Published): boolean;
  /** With attachToCommit: delivers what a committed transaction published to this instance only. */
  deliverHere?(published: Published): void;
  /** What this instance serves (its own streams and waiters only). */
  stats(): HubStats;
}

/** What a request's status becomes when it leaves PENDING, for good. */
export type FinalStatus = 'ACCEPTED' | 'REJECTED' | 'EXPIRED';

/** What one transaction publishes: messages to users, requests whose status changed, devices to disconnect. */
export interface Published {
  messages: readonly { userId: number; message: ServerMessage }[];
  changed: readonly { uuid: string; status: FinalStatus }[];
  /** Devices removed: their open streams close (on this instance after the transaction's messages are sent). */
  disconnects: readonly { deviceId: number; code: number; reason: string }[];
}

/**
 * Whether a message is news about the receiving device itself: a device is not told that it was paired, and a
 * removed device learns it from its stream closing (4401), not from a message. So "the user's other devices".
 */
function aboutItself(message: ServerMessage, deviceId: number): boolean {
  return (message.type === 'device.paired' || message.type === 'device.removed') && message.device.id === deviceId;
}

export interface HubStats {
  streams: number;
  users: number;
  waitedRequests: number;
  /** Calls waiting on those requests (two long-polls of one request count two). */
  waiters: number;
}

/**
 * The streams and waiters of this one process. Streams are indexed by user, so a publish touches only that user's
 * streams, and a hub spanning instances can ask cheaply whether this process serves a user at all.
 */
/** How long a request's change is remembered for waiters that come just too late for the wake. */
const RECENT_CHANGE_MS = 10_000;

export class InProcessHub implements PushHub {
  private readonly streamsByUser = new Map<number, Set<DeviceStream>>();
  private readonly waiters = new Map<string, Set<(status: FinalStatus | null) => void>>();
  /**
   * Requests that changed lately, oldest first, with when. A long-poll reads its row and then begins to wait; a
   * change committed after that read whose wake comes before the wait begins would otherwise be slept through
   * until the poll's time runs out. A change is final (the request left PENDING), so answering such a late
   * waiter at once costs one read and is always right.
   */
  private readonly recentlyChanged = new Map<string, { at: number; status: FinalStatus | null }>();

  /** Told when a user's first stream opens here (true) and their last one closes (false). */
  onUserPresence: ((userId: number, online: boolean) => void) | null = null;

  constructor(private readonly now: () => number = Date.now) {}

  attach(stream: DeviceStream): void {
    let streams = this.streamsByUser.get(stream.userId);
    if (!streams) {
      streams = new Set();
      this.streamsByUser.set(stream.userId, streams);
      this.onUserPresence?.(stream.userId, true);
    }
    streams.add(stream);
  }

  detach(stream: DeviceStream): void {
    const streams = this.streamsByUser.get(stream.userId);
    if (!streams?.delete(stream)) return;
    if (streams.size === 0) {
      this.streamsByUser.delete(stream.userId);
      this.onUserPresence?.(stream.userId, false);
    }
  }

  async approverOnline(userId: number): Promise<boolean> {
    return this.servesUser(userId);
  }

  publishToUser(userId: number, message: ServerMessage): void {
    const streams = this.streamsByUser.get(userId);
    if (streams) for (const stream of streams) if (!aboutItself(message, stream.deviceId)) stream.send(message);
  }

  disconnectDevice(deviceId: number, code: number, reason: string): void {
    this.disconnectDevices(new Set([deviceId]), code, reason);
  }

  /** Closes the open streams of every listed device, in one pass over the streams. */
  disconnectDevices(deviceIds: ReadonlySet<number>, code: number, reason: string): void {
    for (const stream of this.allStreams()) if (deviceIds.has(stream.deviceId)) stream.close(code, reason);
  }

  disconnectAll(code: number, reason: string): void {
    for (const stream of this.allStreams()) stream.close(code, reason);
  }

  waitForRequest(uuid: string, timeoutMs: number, signal: AbortSignal): Promise<FinalStatus | null> {
    const changed = this.recentlyChanged.get(uuid);
    if (changed !== undefined && this.now() - changed.at <= RECENT_CHANGE_MS) return Promise.resolve(changed.status);
    return new Promise((resolve) => {
      let waiters = this.waiters.get(uuid);
      if (!waiters) {
        waiters = new Set();
        this.waiters.set(uuid, waiters);
      }
      const set = waiters;
      const done = (status: FinalStatus | null) => {
        clearTimeout(timer);
        signal.removeEventListener('abort', stop);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(uuid) === set) this.waiters.delete(uuid);
        resolve(status);
      };
      const stop = () => done(null);
      const timer = setTimeout(stop, timeoutMs);
      signal.addEventListener('abort', stop);
      set.add(done);
      if (signal.aborted) stop();
    });
  }

  notifyRequest(uuid: string, status?: FinalStatus): void {
    const now = this.now();
    this.recentlyChanged.delete(uuid);
    this.recentlyChanged.set(uuid, { at: now, status: status ?? null });
    for (const [old, { at }] of this.recentlyChanged) {
      if (now - at <= RECENT_CHANGE_MS) break;
      this.recentlyChanged.delete(old);
    }
    this.wake(uuid, status ?? null);
  }

  /**
   * Wakes every waiter without saying anything changed: each re-reads its request (one read, no harm) and waits
   * again if it is still PENDING.
   */
  wakeAll(): void {
    for (const uuid of [...this.waiters.keys()]) this.wake(uuid, null);
  }

  private wake(uuid: string, status: FinalStatus | null): void {
    for (const wake of [...(this.waiters.get(uuid) ?? [])]) wake(status);
  }

  /** Whether some device of the user has an open stream here. */
  servesUser(userId: number): boolean {
    return this.streamsByUser.has(userId);
  }

  /** Whether someone here is waiting for the request to change. */
  isWaiting(uuid: string): boolean {
    return this.waiters.has(uuid);
  }

  /** The users with at least one open stream here. */
  servedUsers(): number[] {
    return [...this.streamsByUser.keys()];
  }

  /** How many streams, users with streams, requests with waiters and waiters this process holds (diagnostics, tests). */
  stats(): HubStats {
    let streams = 0;
    for (const set of this.streamsByUser.values()) streams += set.size;
    let waiters = 0;
    for (const set of this.waiters.values()) waiters += set.size;
    return { streams, users: this.streamsByUser.size, waitedRequests: this.waiters.size, waiters };
  }

  private allStreams(): DeviceStream[] {
    const all: DeviceStream[] = [];
    for (const streams of this.streamsByUser.values()) all.push(...streams);
    return all;
  }
}
