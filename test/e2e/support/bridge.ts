// The e2e test bridge: serves window.countersign to the page by forwarding to a REAL core through the REAL IPC
// handlers (createIpcHandlers — the same table main registers on ipcMain) and the real preload bridge code.
//   page → invoke → page.exposeFunction → handlers[channel](...args) in this Node process → core → server
//   core events → forwardCoreEvents (as main does) → the window outbox main uses (held until the page says
//   app:ready) → page.evaluate → the page's ipcRenderer stand-in → listeners
import { fileURLToPath } from 'node:url';
import type { Page } from '@playwright/test';
import { type EventChannel, type EventPayloads, isInvokeChannel, isNotifyMainChannel } from '../../../ipc/contract.js';
import type { ApproverCore } from '../../../main/core/api.js';
import { forwardCoreEvents } from '../../../main/ipc/events.js';
import { createIpcHandlers, type ShellActions } from '../../../main/ipc/handlers.js';
import { createWindowOutbox } from '../../../main/shell/window-outbox.js';
import { bundlePageScript } from './page-script.js';

let pageScript: Promise<string> | null = null;

/** page-ipc.ts bundled for the browser (with the preload bridge and the contract); built once per worker. */
function bundledPageScript(): Promise<string> {
  pageScript ??= bundlePageScript(fileURLToPath(new URL('./page-ipc.ts', import.meta.url)));
  return pageScript;
}

export interface PageBridge {
  /** Sends a main → renderer event, as the shell does (e.g. navigate). */
  emit<E extends EventChannel>(event: E, payload: EventPayloads[E]): Promise<void>;
  /**
   * Holds main → renderer events back until the returned release is called (then delivers them in order): the
   * page keeps showing what it showed, as when the user clicks in the very moment something changes elsewhere.
   */
  holdEvents(): () => Promise<void>;
  /** Handler throws (bugs) and event deliveries that failed; a test asserts this stays empty. */
  problems: string[];
  dispose(): void;
}

/**
 * Connects a page to the core. Call before page.goto: the bridge must exist before the renderer's first script.
 * `shell` is the shell side of the handlers (windows, login item); the test passes real settings actions.
 */
export async function connectPage(
  page: Page,
  core: ApproverCore,
  shell: Omit<ShellActions, 'openWindow'>,
): Promise<PageBridge> {
  const problems: string[] = [];
  // Events go out one after another, so the page sees them in the order the core emitted them.
  let queue: Promise<void> = Promise.resolve();
  let held: (() => Promise<void>)[] | null = null;

  const deliver = (event: string, payload: unknown): Promise<void> => {
    queue = queue.then(async () => {
      if (page.isClosed()) return;
      try {
        await page.evaluate(([name, data]) => window.__countersignIpcEmit?.(name, data), [event, payload] as const);
      } catch (error) {
        // A page that is closing or loading another document loses the event, as an Electron window does while it
        // loads; anything else is a bug.
        const lostToNavigation = /Execution context was destroyed|Target page, context or browser has been closed/;
        if (!page.isClosed() && !lostToNavigation.test(String(error)))
          problems.push(`event ${event} not delivered: ${String(error)}`);
      }
    });
    return queue;
  };
  // As in main: what the page is sent waits until the page says it has subscribed.
  const outbox = createWindowOutbox({ send: (event, payload) => void deliver(event, payload) });

  const emit = <E extends EventChannel>(event: E, payload: EventPayloads[E]): Promise<void> => {
    if (held) {
      held.push(() => emit(event, payload));
      return Promise.resolve();
    }
    outbox.send(event, payload);
    return queue;
  };

  const handlers = createIpcHandlers(
    core,
    {
      ...shell,
      // The window manager tells an already open window where to go with a navigate event; the test page is the
      // one window, so it gets the event.
      openWindow: (view, params) => emit('app:navigate', { view, ...params }),
    },
    { onUnexpectedError: (channel, error) => problems.push(`${channel} threw: ${String(error)}`) },
  );

  await page.exposeFunction('__countersignIpcInvoke', async (channel: unknown, args: unknown) => {
    if (!isInvokeChannel(channel) || !Array.isArray(args))
      return { ok: false, error: { code: 'INVALID_INPUT', message: `unknown channel: ${String(channel)}` } };
    return handlers[channel](...args);
  });
  await page.exposeFunction('__countersignIpcSend', (channel: unknown) => {
    if (isNotifyMainChannel(channel)) outbox.ready();
    else problems.push(`unknown one-way message: ${String(channel)}`);
  });
  // Every new document starts without listeners, as Electron's did-navigate tells the window manager.
  await page.exposeFunction('__countersignDocumentStarted', () => outbox.loading());
  await page.addInitScript({ content: await bundledPageScript() });
  const stopForwarding = forwardCoreEvents(core, (event, payload) => void emit(event, payload));

  const holdEvents = () => {
    held ??= [];
    return async () => {
      const waiting = held ?? [];
      held = null;
      for (const deliver of waiting) await deliver();
    };
  };

  return { emit, holdEvents, problems, dispose: stopForwarding };
}

declare global {
  interface Window {
    __countersignIpcEmit?: (channel: string, payload: unknown) => void;
  }
}
