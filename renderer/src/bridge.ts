// The renderer's one door to the app: `window.countersign`, exposed by the preload (or by the e2e test bridge),
// typed from the IPC contract. Every call answers a Result; a bridge that is missing or throws becomes an error
// Result too, so views have one error path and never lose a failure.
import type {
  CountersignBridge,
  EventChannel,
  EventPayloads,
  InvokeArgs,
  InvokeChannel,
  InvokeResult,
} from '../../ipc/contract.js';
import type { Result } from './types.js';

declare global {
  interface Window {
    countersign?: CountersignBridge;
  }
}

const MISSING: Result<never> = {
  ok: false,
  error: {
    code: 'INTERNAL',
    message: 'This page is not connected to the Countersign app (window.countersign is missing).',
  },
};

export async function invoke<C extends InvokeChannel>(
  channel: C,
  ...args: InvokeArgs<C>
): Promise<Result<InvokeResult<C>>> {
  const bridge = window.countersign;
  if (!bridge) return MISSING;
  try {
    return await bridge.invoke(channel, ...args);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    return { ok: false, error: { code: 'INTERNAL', message: `${channel} could not reach the app: ${reason}` } };
  }
}

/** Subscribes to a main → renderer event; returns the unsubscribe. A page without the bridge hears nothing. */
export function on<E extends EventChannel>(event: E, listener: (payload: EventPayloads[E]) => void): () => void {
  return window.countersign?.on(event, listener) ?? (() => {});
}

/**
 * Tells main this page has subscribed to its events, so main delivers what it held back while the page loaded.
 * Called once, after the first render (React runs the children's effects, where the listeners subscribe, first).
 */
export function sayReady(): void {
  try {
    window.countersign?.notify('app:ready');
  } catch (error) {
    console.error('countersign: could not tell the app this page is ready', error);
  }
}
