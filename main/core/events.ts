// A typed event emitter for CoreEvents. A listener that throws is reported and skipped: a bug in the shell must
// not stop the push connection that called it.
import type { CoreEvents } from './api.js';

type CoreEvent = keyof CoreEvents;

export class CoreEventEmitter {
  private readonly listeners = new Map<CoreEvent, Set<(...args: never[]) => void>>();

  on<E extends CoreEvent>(event: E, listener: CoreEvents[E]): () => void {
    const set = this.listeners.get(event) ?? new Set();
    set.add(listener);
    this.listeners.set(event, set);
    return () => {
      set.delete(listener);
    };
  }

  emit<E extends CoreEvent>(event: E, ...args: Parameters<CoreEvents[E]>): void {
    for (const listener of [...(this.listeners.get(event) ?? [])]) {
      try {
        (listener as unknown as (...a: Parameters<CoreEvents[E]>) => void)(...args);
      } catch (error) {
        console.error(`countersign core: a '${event}' listener threw`, error);
      }
    }
  }
}
