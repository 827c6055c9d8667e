// Every window of the app is made here, with the same security settings. They are written out at the constructor so
// that a reviewer (and Electronegativity, which reads this constructor call) sees exactly what each window gets.
// The BrowserWindow class is passed in, so the unit tests construct fake windows and check the options.
import type { BrowserWindow, BrowserWindowConstructorOptions } from 'electron';
import type { View } from '../../ipc/contract.js';

export type BrowserWindowClass = new (options: BrowserWindowConstructorOptions) => BrowserWindow;

const SIZES: Record<View, { width: number; height: number; title: string }> = {
  approval: { width: 480, height: 760, title: 'Countersign — approve or block' },
  keys: { width: 860, height: 620, title: 'Countersign — keys' },
  ips: { width: 720, height: 560, title: 'Countersign — IP addresses' },
  history: { width: 960, height: 640, title: 'Countersign — history' },
  accounts: { width: 640, height: 560, title: 'Countersign — accounts' },
  devices: { width: 760, height: 640, title: 'Countersign — devices' },
  grants: { width: 860, height: 680, title: 'Countersign — grants' },
};

/**
 * The renderer is untrusted content as far as main is concerned: isolated from the preload (contextIsolation), in
 * Chromium's OS sandbox, without Node, without <webview>, unable to mix in http:// content, and without the
 * middle-click (auxclick) path to new windows.
 */
export function createSecureWindow(
  BrowserWindow: BrowserWindowClass,
  view: View,
  preloadPath: string,
  options: { devTools: boolean },
): BrowserWindow {
  const { width, height, title } = SIZES[view];
  return new BrowserWindow({
    width,
    height,
    minWidth: 400,
    minHeight: 420,
    title,
    // Shown by the window manager once loaded (the approval window: when a request arrives).
    show: false,
    autoHideMenuBar: true,
    // The approval window must not be minimised out of sight while a request waits; it hides itself when done.
    minimizable: view !== 'approval',
    webPreferences: {
      // Electronegativity asks for a review of every preload (PRELOAD_JS_CHECK). Reviewed: preload/index.ts exposes
      // only preload/bridge.ts — invoke() for contract channels, on() for contract events, never ipcRenderer.
      preload: preloadPath, // eng-disable PRELOAD_JS_CHECK
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      experimentalFeatures: false,
      disableBlinkFeatures: 'Auxclick',
      navigateOnDragDrop: false,
      safeDialogs: true,
      spellcheck: false,
      devTools: options.devTools,
    },
  });
}
