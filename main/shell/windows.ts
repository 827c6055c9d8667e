// The app's windows: one per view, the approval window created hidden at start so it appears at once when a
// request arrives. Electron's BrowserWindow class is injected, so the behaviour is unit-tested with a fake one.
// Every message to a window goes through its outbox, which holds it until the page has said it is ready.
import type { BrowserWindow } from 'electron';
import type { EventChannel, EventPayloads, PendingApproval, View, ViewParams } from '../../ipc/contract.js';
import { viewUrl } from './app-origin.js';
import { createWindowOutbox, type WindowOutbox } from './window-outbox.js';
import { type BrowserWindowClass, createSecureWindow } from './window-options.js';

export interface WindowManagerDeps {
  BrowserWindow: BrowserWindowClass;
  preloadPath: string;
  devTools: boolean;
  /** Told when a window's outbox overflowed (its page never said it was ready). */
  onDroppedMessage?: (view: View, event: EventChannel) => void;
}

export interface WindowManager {
  /** Creates the hidden approval window; call once the app is ready. */
  start(): Promise<void>;
  /** Shows a view (creating its window if needed) and, if it is open already, tells it where to go. */
  open(view: View, params?: ViewParams): Promise<void>;
  /** The pending queue changed: keep the approval window on top while something waits, hide it when empty. */
  pendingChanged(pending: PendingApproval[]): void;
  /** A new request arrived: bring the approval window up without taking the keyboard focus. */
  approvalArrived(approval: PendingApproval): void;
  /** Sends to every window; a window whose page is still loading gets it once the page is ready. */
  broadcast<E extends EventChannel>(event: E, payload: EventPayloads[E]): void;
  /** A page said `app:ready`: deliver what its window held back. Unknown ids are ignored. */
  pageReady(webContentsId: number): void;
  /** webContents ids of the live windows; the IPC sender check accepts only these. */
  ownWebContentsIds(): ReadonlySet<number>;
  /** From now on closing the approval window really closes it (the app is quitting). */
  closeAll(): void;
}

export function createWindowManager(deps: WindowManagerDeps): WindowManager {
  const windows = new Map<View, BrowserWindow>();
  const outboxes = new Map<number, WindowOutbox>();
  const webContentsIds = new Set<number>();
  let quitting = false;

  const live = (view: View): BrowserWindow | undefined => {
    const window = windows.get(view);
    return window && !window.isDestroyed() ? window : undefined;
  };

  async function create(view: View, params: ViewParams): Promise<BrowserWindow> {
    const window = createSecureWindow(deps.BrowserWindow, view, deps.preloadPath, { devTools: deps.devTools });
    const id = window.webContents.id;
    windows.set(view, window);
    webContentsIds.add(id);
    const outbox = createWindowOutbox(window.webContents, {
      onDrop: (event) => deps.onDroppedMessage?.(view, event),
    });
    outboxes.set(id, outbox);
    // A new document (a reload, or a renderer that crashed and came back) has no listeners until it says ready.
    // Hash changes between views are in-page navigations and do not fire this.
    window.webContents.on('did-navigate', () => outbox.loading());
    window.webContents.on('render-process-gone', () => outbox.loading());
    window.on('close', (event) => {
      // The approval window lives as long as the app, so a request can show at once; closing it only hides it.
      if (view === 'approval' && !quitting) {
        event.preventDefault();
        hideApproval(window);
      }
    });
    window.on('closed', () => {
      webContentsIds.delete(id);
      outboxes.delete(id);
      if (windows.get(view) === window) windows.delete(view);
    });
    await window.loadURL(viewUrl(view, params));
    return window;
  }

  function hideApproval(window: BrowserWindow): void {
    window.setAlwaysOnTop(false);
    window.hide();
  }

  function showAndFocus(window: BrowserWindow): void {
    if (window.isMinimized()) window.restore();
    window.show();
    window.focus();
  }

  return {
    async start() {
      if (!live('approval')) await create('approval', {});
    },

    async open(view, params = {}) {
      const existing = live(view);
      if (existing) {
        outboxes.get(existing.webContents.id)?.send('app:navigate', { view, ...params });
        if (view === 'approval') existing.setAlwaysOnTop(true);
        showAndFocus(existing);
        return;
      }
      const window = await create(view, params);
      if (view === 'approval') window.setAlwaysOnTop(true);
      showAndFocus(window);
    },

    pendingChanged(pending) {
      const window = live('approval');
      if (window && pending.length === 0) hideApproval(window);
    },

    approvalArrived() {
      const window = live('approval');
      if (!window) return;
      window.setAlwaysOnTop(true);
      // showInactive: a request must not steal the keyboard from whatever the user is typing into.
      if (!window.isVisible()) window.showInactive();
    },

    broadcast(event, payload) {
      for (const window of windows.values()) {
        if (!window.isDestroyed()) outboxes.get(window.webContents.id)?.send(event, payload);
      }
    },

    pageReady(webContentsId) {
      outboxes.get(webContentsId)?.ready();
    },

    ownWebContentsIds: () => webContentsIds,

    closeAll() {
      quitting = true;
      for (const window of windows.values()) if (!window.isDestroyed()) window.close();
    },
  };
}
