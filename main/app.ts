// The composition root of the Electron main process: app lifecycle, tray, windows, IPC, notifications and deep
// links wired together. It takes the Electron parts it uses as arguments (main/index.ts passes the real module), so
// the whole wiring runs in tests over a fake Electron module against a real core, server and keychain.
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import type {
  App,
  BrowserWindowConstructorOptions,
  Dialog,
  BrowserWindow as ElectronBrowserWindow,
  Menu as ElectronMenu,
  MenuItemConstructorOptions,
  NativeImage,
  Protocol,
  Session,
  Tray,
} from 'electron';
import type { View, ViewParams } from '../ipc/contract.js';
import {
  type ApproverCoreOptions,
  createApproverCore,
  KEYCHAIN_SERVICE,
  keytarVault,
  type Vault,
} from './core/index.js';
import { forwardCoreEvents } from './ipc/events.js';
import { createIpcHandlers } from './ipc/handlers.js';
import { type IpcMainLike, registerIpcHandlers } from './ipc/register.js';
import { APP_SCHEME } from './shell/app-origin.js';
import { createBundleHandler } from './shell/bundle-protocol.js';
import { DEEP_LINK_SCHEME, findDeepLink, handleDeepLink, pairingQuestion } from './shell/deep-link.js';
import { confirmRemoval, notifyEnrolments } from './shell/enrolment-notifications.js';
import { confirmNotMe, notifySessionsOpened } from './shell/grant-notifications.js';
import { checkKeychain, keychainDialog } from './shell/keychain-check.js';
import { type DesktopNotifier, nodeNotifierAdapter, notifyNewApprovals } from './shell/notifications.js';
import { platformNotifier } from './shell/platform-notifier.js';
import { isOwnSender } from './shell/sender-check.js';
import { createSettingsActions, electronLoginItem, xdgAutostart } from './shell/settings.js';
import { createAppTray } from './shell/tray.js';
import type { TrayAction, TrayState } from './shell/tray-menu.js';
import { hardenSession, hardenWebContents } from './shell/web-contents-guard.js';
import { createWindowManager } from './shell/windows.js';

export const APP_ID = 'eu.countersign.approver';

/** The parts of Electron the app uses, as the `electron` module exports them. */
export interface ElectronParts {
  app: Pick<
    App,
    | 'requestSingleInstanceLock'
    | 'quit'
    | 'exit'
    | 'on'
    | 'whenReady'
    | 'setPath'
    | 'getPath'
    | 'getAppPath'
    | 'isPackaged'
    | 'getVersion'
    | 'setAsDefaultProtocolClient'
    | 'setAppUserModelId'
    | 'dock'
    | 'getLoginItemSettings'
    | 'setLoginItemSettings'
  >;
  BrowserWindow: new (options: BrowserWindowConstructorOptions) => ElectronBrowserWindow;
  Tray: new (image: NativeImage) => Tray;
  Menu: { buildFromTemplate(template: MenuItemConstructorOptions[]): ElectronMenu };
  nativeImage: { createFromPath(path: string): NativeImage };
  ipcMain: IpcMainLike;
  dialog: Pick<Dialog, 'showMessageBox' | 'showErrorBox'>;
  protocol: Pick<Protocol, 'registerSchemesAsPrivileged' | 'handle'>;
  session: { defaultSession: Session };
}

/** The process the app runs in (process.* in production). */
export interface HostProcess {
  platform: NodeJS.Platform;
  arch: string;
  argv: readonly string[];
  env: NodeJS.ProcessEnv;
  /** True when started from a checkout (`electron .`) rather than as a packaged app. */
  defaultApp: boolean;
  execPath: string;
}

export interface AppOptions {
  /** The OS keychain; keytar by default. */
  vault?: Vault;
  /** Desktop notifications; node-notifier by default. */
  notifier?: DesktopNotifier;
  /** Core settings a test chooses (its own keychain service, a short backoff). */
  core?: Partial<Omit<ApproverCoreOptions, 'dataDir' | 'vault'>>;
  log?: Pick<Console, 'error' | 'warn'>;
}

/** What a running app consists of; tests read it, production ignores it. */
export interface RunningApp {
  core: ReturnType<typeof createApproverCore>;
}

export interface AppHandle {
  /** Settles once start-up finished: the running app, or null when it did not start (second instance, no keychain). */
  started: Promise<RunningApp | null>;
}

/** COUNTERSIGN_HISTORY_DAYS: how long the local history keeps a request; unset or unreadable means the default. */
function historyRetention(value: string | undefined, log: Pick<Console, 'warn'>): number | undefined {
  if (value === undefined || value === '') return undefined;
  const days = Number(value);
  if (Number.isInteger(days) && days >= 1) return days;
  log.warn(`countersign: COUNTERSIGN_HISTORY_DAYS must be a whole number of days, at least 1; ignored "${value}"`);
  return undefined;
}

export function startCountersign(electron: ElectronParts, host: HostProcess, options: AppOptions = {}): AppHandle {
  const { app, dialog, protocol } = electron;
  const log = options.log ?? console;

  // Must happen before 'ready'. standard + secure give app://countersign a real origin and a secure context (so CSP
  // 'self' means the bundle); corsEnabled because module scripts are fetched in CORS mode.
  protocol.registerSchemesAsPrivileged([
    { scheme: APP_SCHEME, privileges: { standard: true, secure: true, corsEnabled: true } },
  ]);

  // A separate profile (database, single-instance lock) when asked: `npm start` runs its demo approver from data/ so
  // it never touches an installed Countersign's accounts. Must be set before the single-instance lock is taken.
  if (host.env.COUNTERSIGN_USER_DATA) app.setPath('userData', resolve(host.env.COUNTERSIGN_USER_DATA));

  if (!app.requestSingleInstanceLock()) {
    // Another instance runs; it receives our argv (and any pairing link in it) through 'second-instance'.
    app.quit();
    return { started: Promise.resolve(null) };
  }

  // Links that arrive before the app runs (macOS delivers the launching link as open-url before 'ready').
  const pendingLinks: string[] = [];
  let deliverLink: (link: string) => void = (link) => pendingLinks.push(link);
  // Starting the app again while it starts up shows a window once it is up, rather than nothing.
  let showAskedEarly = false;
  let showRunningApp: () => void = () => {
    showAskedEarly = true;
  };

  // Started from a checkout (`electron .`), the OS must be told to pass the app path along with the link.
  // Electronegativity asks for a review of every protocol handler (PROTOCOL_HANDLER_JS_CHECK). Reviewed: a link is
  // only ever parsed by parsePairingLink (countersign://pair with server and code, anything else refused), and
  // pairing happens only after the user confirms the server in a dialog (handleDeepLink, unit-tested).
  const appArgs = [resolve(host.argv[1] ?? '.')];
  const registered = host.defaultApp
    ? app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME, host.execPath, appArgs) // eng-disable PROTOCOL_HANDLER_JS_CHECK
    : app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME); // eng-disable PROTOCOL_HANDLER_JS_CHECK
  if (!registered) log.warn(`countersign: could not register as the ${DEEP_LINK_SCHEME}:// handler`);
  app.on('open-url', (event, url) => {
    event.preventDefault();
    deliverLink(url);
  });
  app.on('second-instance', (_event, argv) => {
    const link = findDeepLink(argv);
    if (link) deliverLink(link);
    else showRunningApp();
  });
  const launchLink = findDeepLink(host.argv);
  if (launchLink) pendingLinks.push(launchLink);

  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  // A tray app keeps running with no window open.
  app.on('window-all-closed', () => {});

  const fatal = (title: string, error: unknown): null => {
    dialog.showErrorBox(title, error instanceof Error ? (error.stack ?? error.message) : String(error));
    app.exit(1);
    return null;
  };

  async function start(): Promise<RunningApp | null> {
    if (host.platform === 'win32') app.setAppUserModelId(APP_ID);
    // A tray app: no Dock icon on macOS.
    if (host.platform === 'darwin') app.dock?.hide();
    const appDir = app.getAppPath();
    hardenSession(electron.session.defaultSession);
    protocol.handle(APP_SCHEME, createBundleHandler(join(appDir, 'dist', 'renderer')));

    const vault = options.vault ?? keytarVault();
    const keychainService = options.core?.keychainService ?? KEYCHAIN_SERVICE;
    const keychainProblem = await checkKeychain(vault, keychainService);
    if (keychainProblem) {
      await dialog.showMessageBox({ type: 'error', buttons: ['Quit'], ...keychainDialog(keychainProblem) });
      app.exit(1);
      return null;
    }

    const core = createApproverCore({
      historyRetentionDays: historyRetention(host.env.COUNTERSIGN_HISTORY_DAYS, log),
      ...options.core,
      dataDir: app.getPath('userData'),
      vault,
    });
    await core.start();

    const windows = createWindowManager({
      BrowserWindow: electron.BrowserWindow,
      preloadPath: join(appDir, 'dist', 'preload', 'index.cjs'),
      devTools: !app.isPackaged,
      onDroppedMessage: (view, event) => log.warn(`countersign: the ${view} window never got ready; dropped ${event}`),
    });
    const show = (view: View, params: ViewParams = {}): Promise<void> =>
      windows.open(view, params).catch((error: unknown) => log.error(`countersign: cannot show ${view}`, error));

    const loginItem =
      host.platform === 'linux'
        ? xdgAutostart(host.env.XDG_CONFIG_HOME ?? join(app.getPath('home'), '.config'), [
            // An AppImage runs from a temporary mount; APPIMAGE is the file to start again.
            host.env.APPIMAGE ?? host.execPath,
            ...(host.defaultApp ? [appDir] : []),
          ])
        : electronLoginItem(app);
    const settings = createSettingsActions(loginItem, { platform: host.platform, version: app.getVersion() });

    const trayState = (): TrayState => ({
      accounts: core.listAccounts(),
      pending: core.pending(),
      startAtLogin: settings.getSettings().startAtLogin,
      deviceNotices: core.deviceNotices().length,
      activeGrants: core.activeGrants().reduce((sum, key) => sum + key.grants.length, 0),
    });
    // Once quitting has destroyed the tray, the core's last events (its links going offline) must not touch it.
    let trayGone = false;
    const refreshTray = () => {
      if (!trayGone) tray.update(trayState());
    };
    // The tray's checkbox and the renderer's settings change the same login item; both refresh the tray.
    const setStartAtLogin = (enabled: boolean) => {
      const changed = settings.setStartAtLogin(enabled);
      refreshTray();
      return changed;
    };
    const tray = createAppTray(
      {
        createTray: (icon) => new electron.Tray(icon),
        buildMenu: (template) => electron.Menu.buildFromTemplate(template),
        loadImage: (path) => electron.nativeImage.createFromPath(path),
        iconDir: join(appDir, 'resources'),
        platform: host.platform,
        dispatch: (action: TrayAction) => {
          if (action.type === 'open-approval')
            void show('approval', { accountId: action.accountId, uuid: action.uuid });
          else if (action.type === 'open-view') void show(action.view);
          else if (action.type === 'set-start-at-login') setStartAtLogin(action.enabled);
          else app.quit();
        },
      },
      trayState(),
    );

    const unregisterIpc = registerIpcHandlers(
      electron.ipcMain,
      createIpcHandlers(
        core,
        {
          openWindow: (view, params) => windows.open(view, params),
          getSettings: settings.getSettings,
          setStartAtLogin,
        },
        { onUnexpectedError: (channel, error) => log.error(`countersign: ${channel} failed`, error) },
      ),
      { 'app:ready': (webContentsId) => windows.pageReady(webContentsId) },
      (sender) => isOwnSender(sender, windows.ownWebContentsIds()),
    );
    const stopForwarding = forwardCoreEvents(core, (event, payload) => windows.broadcast(event, payload));

    const notifier =
      options.notifier ??
      nodeNotifierAdapter(
        platformNotifier(host.platform, host.arch, createRequire(import.meta.url).resolve('node-notifier')),
        {
          platform: host.platform,
          app: { name: 'Countersign', id: APP_ID, icon: join(appDir, 'resources', 'icon.png') },
          onError: (error) => log.warn('countersign: notification not shown:', error.message),
        },
      );
    const showDevices = (accountId: string) => void show('devices', { accountId });
    // A warning that asks before something is removed or switched off: the last button (the safe one) is the default.
    const askWarning = async (
      question: { title: string; message: string; detail?: string },
      buttons: readonly string[],
    ) =>
      (
        await dialog.showMessageBox({
          type: 'warning',
          buttons: [...buttons],
          defaultId: buttons.length - 1,
          cancelId: buttons.length - 1,
          ...question,
        })
      ).response;
    const unsubscribers = [
      stopForwarding,
      notifyNewApprovals(core, notifier, (target) => void show('approval', target)),
      notifyEnrolments(core, notifier, {
        showDevices,
        askRemoval: (notice) =>
          void confirmRemoval(notice, {
            ask: askWarning,
            remove: (accountId, deviceId) => core.removeDevice(accountId, deviceId),
            showDevices,
            showError: (message) => void dialog.showMessageBox({ type: 'error', title: 'Removal failed', message }),
          }).catch((error: unknown) => log.error('countersign: the device could not be removed', error)),
      }),
      notifySessionsOpened(core, notifier, {
        showGrants: (accountId, credentialId) => void show('grants', { accountId, credentialId }),
        notMe: (notice) =>
          void confirmNotMe(notice, {
            ask: askWarning,
            reportNotMe: (accountId, credentialId) => core.reportNotMe(accountId, credentialId),
            showError: (message) =>
              void dialog.showMessageBox({ type: 'error', title: "This wasn't me: failed", message }),
          }).catch((error: unknown) => log.error('countersign: "This wasn\'t me" failed', error)),
      }),
      core.on('grants:changed', refreshTray),
      core.on('approval:added', (approval) => windows.approvalArrived(approval)),
      core.on('approvals:changed', (pending) => {
        windows.pendingChanged(pending);
        refreshTray();
      }),
      core.on('accounts:changed', refreshTray),
      core.on('devices:notices-changed', refreshTray),
    ];

    // Quitting: close the windows, then stop the core (connections, database) before the process ends.
    // Registered before anything can ask to quit (the tray's Quit, a pairing dialog's answer).
    let stopped = false;
    app.on('before-quit', () => windows.closeAll());
    app.on('will-quit', (event) => {
      if (stopped) return;
      event.preventDefault();
      unregisterIpc();
      for (const unsubscribe of unsubscribers) unsubscribe();
      trayGone = true;
      tray.destroy();
      core
        .stop()
        .catch((error: unknown) => log.error('countersign: the core did not stop cleanly', error))
        .finally(() => {
          stopped = true;
          app.quit();
        });
    });

    await windows.start();
    showRunningApp = () => void show(core.pending().length > 0 ? 'approval' : 'accounts');
    if (showAskedEarly) showRunningApp();

    deliverLink = (link) =>
      handleDeepLink(link, {
        core,
        confirmPairing: async (origin) =>
          (
            await dialog.showMessageBox({
              type: 'question',
              buttons: ['Pair', 'Cancel'],
              defaultId: 1,
              cancelId: 1,
              title: 'Pair with a Countersign server?',
              ...pairingQuestion(origin),
            })
          ).response === 0,
        showAccounts: (account) => show('accounts', account ? { accountId: account.id } : {}),
        showError: (error) =>
          void dialog.showMessageBox({ type: 'error', title: 'Pairing failed', message: error.message }),
      }).then(
        () => undefined,
        (error: unknown) => log.error('countersign: the pairing link could not be handled', error),
      );
    for (const link of pendingLinks.splice(0)) deliverLink(link);
    return { core };
  }

  // A failure anywhere in start-up (not only in whenReady) says so and quits, rather than leaving a process with no
  // window and no tray.
  const started = app
    .whenReady()
    .then(start)
    .catch((error: unknown) => fatal('Countersign could not start', error));
  return { started };
}
