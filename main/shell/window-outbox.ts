// Messages to one window's page, held back until that page says it is ready (`app:ready`, sent once its listeners
// are subscribed). A page that is still loading has no listeners yet, and Electron drops what webContents.send()
// delivers to nobody; Electron Fiddle queues for the same reason. A snapshot event (the whole pending list, every
// account) replaces its undelivered older copy; every other event — approval:closed, credential:locked — is kept
// and delivered once, in order.
import { type EventChannel, type EventPayloads, isSnapshotEvent } from '../../ipc/contract.js';

export interface OutboxTarget {
  send(channel: string, payload: unknown): void;
}

export interface WindowOutbox {
  send<E extends EventChannel>(event: E, payload: EventPayloads[E]): void;
  /** The page subscribed to its events: deliver what waited, in order, and send directly from now on. */
  ready(): void;
  /** A new document started loading in the window (a reload, a crashed renderer): hold messages again. */
  loading(): void;
  /** Messages waiting for the page. */
  readonly waiting: number;
}

/** Far above anything a loading page meets; a page that never says ready must not grow main's memory forever. */
export const OUTBOX_LIMIT = 1000;

export function createWindowOutbox(
  target: OutboxTarget,
  options: { limit?: number; onDrop?: (event: EventChannel) => void } = {},
): WindowOutbox {
  const limit = options.limit ?? OUTBOX_LIMIT;
  let isReady = false;
  let queue: Array<{ event: EventChannel; payload: unknown }> = [];

  return {
    send(event, payload) {
      if (isReady) {
        target.send(event, payload);
        return;
      }
      if (isSnapshotEvent(event)) queue = queue.filter((message) => message.event !== event);
      queue.push({ event, payload });
      if (queue.length > limit) {
        const dropped = queue.shift();
        if (dropped) options.onDrop?.(dropped.event);
      }
    },
    ready() {
      isReady = true;
      const waiting = queue;
      queue = [];
      for (const { event, payload } of waiting) target.send(event, payload);
    },
    loading() {
      isReady = false;
    },
    get waiting() {
      return queue.length;
    },
  };
}
