// The push hub: who is connected, and who is waiting for a request to change. Behind an interface so that a
// hub spanning several server instances (PostgreSQL LISTEN/NOTIFY, issue 7) can replace this in-process one.
import type { ServerMessage } from '../../protocol/index.js';

/** One open push stream of one device. */
export interface DeviceStream {
  deviceId: number;
  userId: number;
  send(message: ServerMessage): void;
  close(code: number, reason: string): void;
}

export interface PushHub {
  /** Registers an open stream; the returned function unregisters it. */
  attach(stream: DeviceStream): () => void;
  /** Sends a message to every open stream of the user's devices. */
  publishToUser(userId: number, message: ServerMessage): void;
  /** Closes every open stream of one device (it was removed). */
  disconnectDevice(deviceId: number, code: number, reason: string): void;
  /** Closes every stream (the server is shutting down). */
  disconnectAll(code: number, reason: string): void;
  /** Resolves when notifyRequest(uuid) is called, after timeoutMs, or when signal aborts; whichever is first. */
  waitForRequest(uuid: string, timeoutMs: number, signal: AbortSignal): Promise<void>;
  /** Wakes everyone waiting on the request: its status changed. */
  notifyRequest(uuid: string): void;
}

export class InProcessHub implements PushHub {
  private readonly streams = new Set<DeviceStream>();
  private readonly waiters = new Map<string, Set<() => void>>();

  attach(stream: DeviceStream): () => void {
    this.streams.add(stream);
    return () => this.streams.delete(stream);
  }

  publishToUser(userId: number, message: ServerMessage): void {
    for (const stream of this.streams) if (stream.userId === userId) stream.send(message);
  }

  disconnectDevice(deviceId: number, code: number, reason: string): void {
    for (const stream of [...this.streams]) if (stream.deviceId === deviceId) stream.close(code, reason);
  }

  disconnectAll(code: number, reason: string): void {
    for (const stream of [...this.streams]) stream.close(code, reason);
  }

  waitForRequest(uuid: string, timeoutMs: number, signal: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      let waiters = this.waiters.get(uuid);
      if (!waiters) {
        waiters = new Set();
        this.waiters.set(uuid, waiters);
      }
      const set = waiters;
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        set.delete(done);
        if (set.size === 0 && this.waiters.get(uuid) === set) this.waiters.delete(uuid);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      signal.addEventListener('abort', done);
      set.add(done);
      if (signal.aborted) done();
    });
  }

  notifyRequest(uuid: string): void {
    for (const wake of [...(this.waiters.get(uuid) ?? [])]) wake();
  }
}
