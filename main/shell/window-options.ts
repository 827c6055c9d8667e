// The options of every window the app opens. Pure: the security settings are data, unit-tested, and the only
// place a BrowserWindow gets its webPreferences from.
import type { BrowserWindowConstructorOptions, WebPreferences } from 'electron';
import type { View } from '../../ipc/contract.js';

/**
 * The renderer is untrusted content as far as main is concerned: isolated from the preload (contextIsolation),
 * in Chromium's OS sandbox, without Node, without <webview>, and unable to mix in http:// content.
 */
export function secureWebPreferences(preloadPath: string, options: { devTools: boolean }): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    safeDialogs: true,
    spellcheck: false,
    devTools: options.devTools,
  };
}

const SIZES: Record<View, { width: number; height: number; title: string }> = {
  approval: { width: 480, height: 640, title: 'Countersign — approve or block' },
  keys: { width: 860, height: 620, title: 'Countersign — keys' },
  ips: { width: 720, height: 560, title: 'Countersign — IP addresses' },
  history: { width: 960, height: 640, title: 'Countersign — history' },
  accounts: { width: 640, height: 560, title: 'Countersign — accounts' },
};

export function windowOptions(
  view: View,
  preloadPath: string,
  options: { devTools: boolean },
): BrowserWindowConstructorOptions {
  const size = SIZES[view];
  return {
    width: size.width,
    height: size.height,
    minWidth: 400,
    minHeight: 420,
    title: size.title,
    // Shown by the window manager once ready (or, for the approval window, when a request arrives).
    show: false,
    autoHideMenuBar: true,
    // The approval window must not be minimised out of sight while a request waits; it hides when done.
    minimizable: view !== 'approval',
    webPreferences: secureWebPreferences(preloadPath, options),
  };
}
