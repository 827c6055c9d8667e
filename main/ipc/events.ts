// Forwards the core's events to the renderer. The core emits the renderer's events under their schema names with
// their schema payloads, so this is one loop over the schema, not a mapping kept by hand. Electron-free:
// main passes a `send` that goes to every window (through each window's outbox); the Playwright test bridge passes
// one that calls the page.
import { type EventChannel, type EventPayloads, eventChannels } from '../../ipc/contract.js';
import type { ApproverCore, CoreEvents, ShellEventChannel } from '../core/api.js';

export type SendEvent = <E extends EventChannel>(event: E, payload: EventPayloads[E]) => void;

type CoreRendererEvent = Exclude<EventChannel, ShellEventChannel>;
const SHELL_EVENTS: ReadonlySet<EventChannel> = new Set<ShellEventChannel>(['app:navigate']);

/**
 * Subscribes to every renderer event the core emits and returns one unsubscribe for all of them.
 * 'approval:added' is not a renderer event (the renderer follows 'approvals:changed'; the shell uses it for
 * notifications); 'app:navigate' comes from the shell.
 */
export function forwardCoreEvents(core: Pick<ApproverCore, 'on'>, send: SendEvent): () => void {
  const unsubscribers = eventChannels
    .filter((event): event is CoreRendererEvent => !SHELL_EVENTS.has(event))
    .map((event) =>
      core.on(event, ((payload: EventPayloads[CoreRendererEvent]) => send(event, payload)) as CoreEvents[typeof event]),
    );
  return () => {
    for (const unsubscribe of unsubscribers) unsubscribe();
  };
}
