// The app's windows: one per view, the approval window created hidden at start so it appears at once when a
// request arrives. Electron's BrowserWindow class is injected, so the behaviour is unit-tested with a fake one.
import type { BrowserWindow } from 'electron';
import type { EventChannel, EventPayloads, View } from '../../ipc/contract.js';
import type { PendingApproval } from '../core/api.js';
import { type ViewParams, viewUrl } from './app-origin.js';
import { type BrowserWindowClass, createSecureWindow } from './window-options.js';

export interface WindowManagerDeps {
  BrowserWindow: BrowserWindowClass;
  preloadPath: string;
  devTools: boolean;
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
  broadcast<E extends EventChannel>(event: E, payload: EventPayloads[E]): void;
  /** webContents ids of the live windows; the IPC sender check accepts only these. */
  ownWebContentsIds(): ReadonlySet<number>;
  /** From now on closing the approval window really closes it (the app is quitting). */
  closeAll(): void;
}

export function createWindowManager(deps: WindowManagerDeps): WindowManager {
  const windows = new Map<View, BrowserWindow>();
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
    window.on('close', (event) => {
      // The approval window lives as long as the app, so a request can show at once; closing it only hides it.
      if (view === 'approval' && !quitting) {
        event.preventDefault();
        hideApproval(window);
      }
    });
    window.on('closed', () => {
      webContentsIds.delete(id);
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
        existing.webContents.send('navigate', { view, ...params } satisfies EventPayloads['navigate']);
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
        if (!window.isDestroyed()) window.webContents.send(event, payload);
      }
    },

    ownWebContentsIds: () => webContentsIds,

    closeAll() {
      quitting = true;
      for (const window of windows.values()) if (!window.isDestroyed()) window.close();
    },
  };
}
