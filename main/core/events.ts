// A typed event emitter for CoreEvents. A listener that throws is reported and skipped: a bug in the shell must
// not stop the push connection that called it.
import type { CoreEvents } from './api.js';

type Listeners = { [E in keyof CoreEvents]: Set<CoreEvents[E]> };

export class CoreEventEmitter {
  private readonly listeners: Listeners = {
    'approval.added': new Set(),
    'approvals.changed': new Set(),
    'approval.closed': new Set(),
    'accounts.changed': new Set(),
    'credential.locked': new Set(),
  };

  on<E extends keyof CoreEvents>(event: E, listener: CoreEvents[E]): () => void {
    this.listeners[event].add(listener);
    return () => {
      this.listeners[event].delete(listener);
    };
  }

  emit<E extends keyof CoreEvents>(event: E, ...args: Parameters<CoreEvents[E]>): void {
    for (const listener of [...this.listeners[event]]) {
      try {
        (listener as (...a: Parameters<CoreEvents[E]>) => void)(...args);
      } catch (error) {
        console.error(`countersign core: a '${event}' listener threw`, error);
      }
    }
  }
}
