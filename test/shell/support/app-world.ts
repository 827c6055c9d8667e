// The whole main process (main/app.ts) over the FAKE ELECTRON MODULE, against a real core (its own data folder),
// the real keychain (under a keychain service of its own) and whatever real server the test gives it. The only
// other stand-in is the desktop notifier, which records instead of posting (node-notifier against a real
// notification daemon is tested in test/notifications.test.ts).
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type AppOptions, type HostProcess, type RunningApp, startCountersign } from '../../../main/app.js';
import { keytarVault } from '../../../main/core/vault.js';
import type { DesktopNotification } from '../../../main/shell/notifications.js';
import { waitFor } from '../../support/core.js';
import { type FakeBrowserWindow, FakeSender, fakeElectron } from './fake-electron.js';

export const ROOT = join(import.meta.dirname, '..', '..', '..');
export const APP_PAGE = 'app://countersign/index.html';

export interface AppWorld {
  electron: ReturnType<typeof fakeElectron>;
  /** null when the app did not start (second instance, keychain problem, start-up failure). */
  running: RunningApp | null;
  notifications: Array<{ notification: DesktopNotification; click: (action?: string | null) => void }>;
  errors: unknown[][];
  warnings: unknown[][];
  userData: string;
  /** The window showing a view, by its loaded URL's hash. */
  window(view: string): FakeBrowserWindow | undefined;
  /** The page in a window says it has subscribed (what the renderer does after its first render). */
  pageReady(window: FakeBrowserWindow): void;
  /** Calls an invoke channel as that window's page would. */
  invoke(window: FakeBrowserWindow, channel: string, ...args: unknown[]): Promise<unknown>;
  /** Quits as the tray's Quit does and waits until the quit sequence ran to its end. */
  quit(): Promise<void>;
}

export interface AppWorldOptions {
  /** Set up the fake before the app starts (the lock, dialog answers). */
  before?: (electron: ReturnType<typeof fakeElectron>) => void;
  argv?: string[];
  /** Reuse a profile (data folder and keychain service) from an earlier run. */
  profile?: { userData: string; keychainService: string };
  /** Fire 'ready' at once (default); false leaves it to the test. */
  ready?: boolean;
  options?: AppOptions;
}

export interface Profile {
  userData: string;
  keychainService: string;
  remove(): Promise<void>;
}

export async function newProfile(): Promise<Profile> {
  const userData = await mkdtemp(join(tmpdir(), 'countersign-app-'));
  const keychainService = `Countersign-app-test-${randomUUID()}`;
  return {
    userData,
    keychainService,
    async remove() {
      const vault = keytarVault();
      for (const entry of await vault.findCredentials(keychainService))
        await vault.deletePassword(keychainService, entry.account);
      await rm(userData, { recursive: true, force: true });
    },
  };
}

export async function startApp(
  profile: { userData: string; keychainService: string },
  options: AppWorldOptions = {},
): Promise<AppWorld & { started: Promise<RunningApp | null> }> {
  const electron = fakeElectron({ appPath: ROOT, userData: profile.userData, home: profile.userData });
  options.before?.(electron);
  const notifications: AppWorld['notifications'] = [];
  const errors: unknown[][] = [];
  const warnings: unknown[][] = [];
  const host: HostProcess = {
    platform: 'linux',
    arch: 'x64',
    argv: options.argv ?? ['/opt/Countersign/countersign'],
    env: { XDG_CONFIG_HOME: join(profile.userData, 'config') },
    defaultApp: false,
    execPath: '/opt/Countersign/countersign',
  };
  const handle = startCountersign(electron.parts, host, {
    vault: keytarVault(),
    notifier: {
      show: (notification, click) => notifications.push({ notification, click: (action = null) => click(action) }),
    },
    core: {
      keychainService: profile.keychainService,
      deviceName: 'app test desktop',
      platform: 'linux',
      backoff: { baseMs: 100, capMs: 1000 },
    },
    log: { error: (...args: unknown[]) => errors.push(args), warn: (...args: unknown[]) => warnings.push(args) },
    ...options.options,
  });
  if (options.ready ?? true) electron.app.becomeReady();
  const senderOf = (window: FakeBrowserWindow) =>
    new FakeSender(window.webContents.id, { url: window.loadedUrl ?? '', isTopFrame: true });
  const world = {
    electron,
    running: null as RunningApp | null,
    notifications,
    errors,
    warnings,
    userData: profile.userData,
    started: handle.started,
    window: (view: string) =>
      electron.windows.find(
        (w) => !w.destroyed && new URL(w.loadedUrl ?? 'x:').hash.replace(/\?.*/, '') === `#${view}`,
      ),
    pageReady: (window: FakeBrowserWindow) => electron.ipcMain.sendFromRenderer('app:ready', senderOf(window)),
    invoke: (window: FakeBrowserWindow, channel: string, ...args: unknown[]) =>
      electron.ipcMain.invoke(channel, senderOf(window), ...args),
    async quit() {
      electron.app.quit();
      await waitFor('the quit sequence to end', () => electron.app.quitted);
    },
  };
  if (options.ready ?? true) world.running = await handle.started;
  return world;
}
