// Forwards the core's events to the renderer as contract events. Electron-free: main/index.ts passes a `send` that
// broadcasts to every window; the Playwright test bridge passes one that calls the page.
import type { EventChannel, EventPayloads } from '../../ipc/contract.js';
import type { ApproverCore } from '../core/api.js';

export type SendEvent = <E extends EventChannel>(event: E, payload: EventPayloads[E]) => void;

/**
 * Subscribes to every core event the renderer shows and returns one unsubscribe for all of them.
 * 'approval.added' is not forwarded: the renderer follows 'approvals:changed'; the shell uses 'approval.added'
 * for notifications. 'navigate' comes from the shell, not the core.
 */
export function forwardCoreEvents(core: Pick<ApproverCore, 'on'>, send: SendEvent): () => void {
  const unsubscribers = [
    core.on('approvals.changed', (pending) => send('approvals:changed', pending)),
    core.on('approval.closed', (info) => send('approval:closed', info)),
    core.on('accounts.changed', (accounts) => send('accounts:changed', accounts)),
    core.on('credential.locked', (info) => send('credential:locked', info)),
  ];
  return () => {
    for (const unsubscribe of unsubscribers) unsubscribe();
  };
}
