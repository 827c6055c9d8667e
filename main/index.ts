// The Electron main process: app lifecycle and wiring only. The approver core (main/core) keeps the push connections
// and the keychain; the shell modules (main/shell, main/ipc) hold the logic and are unit-tested without Electron.
import { createRequire } from 'node:module';
import { join, resolve } from 'node:path';
import { app, BrowserWindow, dialog, ipcMain, Menu, nativeImage, protocol, session, Tray } from 'electron';
import type { View } from '../ipc/contract.js';
import { createApproverCore, KEYCHAIN_SERVICE, keytarVault } from './core/index.js';
import { forwardCoreEvents } from './ipc/events.js';
import { createIpcHandlers } from './ipc/handlers.js';
import { registerIpcHandlers } from './ipc/register.js';
import { APP_SCHEME, type ViewParams } from './shell/app-origin.js';
import { createBundleHandler } from './shell/bundle-protocol.js';
import { DEEP_LINK_SCHEME, findDeepLink, handleDeepLink } from './shell/deep-link.js';
import { checkKeychain, keychainDialog } from './shell/keychain-check.js';
import { nodeNotifierAdapter, notifyNewApprovals } from './shell/notifications.js';
import { platformNotifier } from './shell/platform-notifier.js';
import { isOwnSender } from './shell/sender-check.js';
import { createSettingsActions, electronLoginItem, xdgAutostart } from './shell/settings.js';
import { createAppTray } from './shell/tray.js';
import type { TrayAction, TrayState } from './shell/tray-menu.js';
import { hardenSession, hardenWebContents } from './shell/web-contents-guard.js';
import { createWindowManager } from './shell/windows.js';

const APP_ID = 'eu.countersign.approver';

// Must happen before 'ready'. standard + secure give app://countersign a real origin and a secure context (so CSP
// 'self' means the bundle); corsEnabled because module scripts are fetched in CORS mode.
protocol.registerSchemesAsPrivileged([
  { scheme: APP_SCHEME, privileges: { standard: true, secure: true, corsEnabled: true } },
]);

// A separate profile (database, single-instance lock) when asked: `npm start` runs its demo approver from data/ so it
// never touches an installed Countersign's accounts. Must be set before the single-instance lock is taken.
if (process.env.COUNTERSIGN_USER_DATA) app.setPath('userData', resolve(process.env.COUNTERSIGN_USER_DATA));

// Links that arrive before the core runs (macOS delivers the launching link as open-url before 'ready').
const pendingLinks: string[] = [];
let deliverLink: (link: string) => void = (link) => pendingLinks.push(link);
// Starting the app again while it runs brings up a window instead of doing nothing (set once the windows exist).
let showRunningApp: () => void = () => {};

if (!app.requestSingleInstanceLock()) {
  // Another instance runs; it receives our argv (and any pairing link in it) through 'second-instance'.
  app.quit();
} else {
  registerDeepLinks();
  app.on('web-contents-created', (_event, contents) => hardenWebContents(contents));
  // A tray app keeps running with no window open.
  app.on('window-all-closed', () => {});
  app.whenReady().then(start, (error: unknown) => fatal('Countersign could not start', error));
}

function registerDeepLinks(): void {
  // Started from a checkout (`electron .`), the OS must be told to pass the app path along with the link.
  // Electronegativity asks for a review of every protocol handler (PROTOCOL_HANDLER_JS_CHECK). Reviewed: a link is
  // only ever parsed by parsePairingLink (countersign://pair with server and code, anything else refused), and
  // pairing happens only after the user confirms the server in a dialog (handleDeepLink, unit-tested).
  const appArgs = [resolve(process.argv[1] ?? '.')];
  const registered = process.defaultApp
    ? app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME, process.execPath, appArgs) // eng-disable PROTOCOL_HANDLER_JS_CHECK
    : app.setAsDefaultProtocolClient(DEEP_LINK_SCHEME); // eng-disable PROTOCOL_HANDLER_JS_CHECK
  if (!registered) console.warn(`countersign: could not register as the ${DEEP_LINK_SCHEME}:// handler`);
  app.on('open-url', (event, url) => {
    event.preventDefault();
    deliverLink(url);
  });
  app.on('second-instance', (_event, argv) => {
    const link = findDeepLink(argv);
    if (link) deliverLink(link);
    else showRunningApp();
  });
  const launchLink = findDeepLink(process.argv);
  if (launchLink) pendingLinks.push(launchLink);
}

function fatal(title: string, error: unknown): void {
  dialog.showErrorBox(title, error instanceof Error ? (error.stack ?? error.message) : String(error));
  app.exit(1);
}

async function start(): Promise<void> {
  if (process.platform === 'win32') app.setAppUserModelId(APP_ID);
  // A tray app: no Dock icon on macOS.
  if (process.platform === 'darwin') app.dock?.hide();
  const appDir = app.getAppPath();
  hardenSession(session.defaultSession);
  protocol.handle(APP_SCHEME, createBundleHandler(join(appDir, 'dist', 'renderer')));

  const vault = keytarVault();
  const keychainProblem = await checkKeychain(vault, KEYCHAIN_SERVICE);
  if (keychainProblem) {
    await dialog.showMessageBox({ type: 'error', buttons: ['Quit'], ...keychainDialog(keychainProblem) });
    app.exit(1);
    return;
  }

  const core = createApproverCore({ dataDir: app.getPath('userData'), vault });
  await core.start();

  const windows = createWindowManager({
    BrowserWindow,
    preloadPath: join(appDir, 'dist', 'preload', 'index.cjs'),
    devTools: !app.isPackaged,
  });
  const show = (view: View, params: ViewParams = {}): Promise<void> =>
    windows.open(view, params).catch((error: unknown) => console.error(`countersign: cannot show ${view}`, error));

  const loginItem =
    process.platform === 'linux'
      ? xdgAutostart(process.env.XDG_CONFIG_HOME ?? join(app.getPath('home'), '.config'), [
          // An AppImage runs from a temporary mount; APPIMAGE is the file to start again.
          process.env.APPIMAGE ?? process.execPath,
          ...(process.defaultApp ? [appDir] : []),
        ])
      : electronLoginItem(app);
  const settings = createSettingsActions(loginItem, { platform: process.platform, version: app.getVersion() });

  const trayState = (): TrayState => ({
    accounts: core.listAccounts(),
    pending: core.pending(),
    startAtLogin: settings.getSettings().startAtLogin,
  });
  // The tray's checkbox and the renderer's settings change the same login item; both refresh the tray.
  const setStartAtLogin = (enabled: boolean) => {
    const changed = settings.setStartAtLogin(enabled);
    tray.update(trayState());
    return changed;
  };
  const tray = createAppTray(
    {
      createTray: (icon) => new Tray(icon),
      buildMenu: (template) => Menu.buildFromTemplate(template),
      loadImage: (path) => nativeImage.createFromPath(path),
      iconDir: join(appDir, 'resources'),
      platform: process.platform,
      dispatch: (action: TrayAction) => {
        if (action.type === 'open-approval') void show('approval', { accountId: action.accountId, uuid: action.uuid });
        else if (action.type === 'open-view') void show(action.view);
        else if (action.type === 'set-start-at-login') setStartAtLogin(action.enabled);
        else app.quit();
      },
    },
    trayState(),
  );

  const unregisterIpc = registerIpcHandlers(
    ipcMain,
    createIpcHandlers(
      core,
      { openWindow: (view, params) => windows.open(view, params), getSettings: settings.getSettings, setStartAtLogin },
      { onUnexpectedError: (channel, error) => console.error(`countersign: ${channel} failed`, error) },
    ),
    (sender) => isOwnSender(sender, windows.ownWebContentsIds()),
  );
  forwardCoreEvents(core, (event, payload) => windows.broadcast(event, payload));

  const notifier = nodeNotifierAdapter(
    platformNotifier(process.platform, process.arch, createRequire(import.meta.url).resolve('node-notifier')),
    {
      platform: process.platform,
      app: { name: 'Countersign', id: APP_ID, icon: join(appDir, 'resources', 'icon.png') },
      onError: (error) => console.warn('countersign: notification not shown:', error.message),
    },
  );
  notifyNewApprovals(core, notifier, (target) => void show('approval', target));
  core.on('approval.added', (approval) => windows.approvalArrived(approval));
  core.on('approvals.changed', (pending) => {
    windows.pendingChanged(pending);
    tray.update(trayState());
  });
  core.on('accounts.changed', () => tray.update(trayState()));

  await windows.start();
  showRunningApp = () => void show(core.pending().length > 0 ? 'approval' : 'accounts');

  deliverLink = (link) =>
    handleDeepLink(link, {
      core,
      confirmPairing: async (server) =>
        (
          await dialog.showMessageBox({
            type: 'question',
            buttons: ['Pair', 'Cancel'],
            defaultId: 1,
            cancelId: 1,
            title: 'Pair with a Countersign server?',
            message: `Pair this desktop with ${server}?`,
            detail:
              'Only pair with a server you trust: its approval requests will appear here. ' +
              'If you did not just open a pairing link, choose Cancel.',
          })
        ).response === 0,
      showAccounts: (account) => show('accounts', account ? { accountId: account.id } : {}),
      showError: (error) =>
        void dialog.showMessageBox({ type: 'error', title: 'Pairing failed', message: error.message }),
    }).then(
      () => undefined,
      (error: unknown) => console.error('countersign: the pairing link could not be handled', error),
    );
  for (const link of pendingLinks.splice(0)) deliverLink(link);

  // Quitting: close the windows, then stop the core (connections, database) before the process ends.
  let stopped = false;
  app.on('before-quit', () => windows.closeAll());
  app.on('will-quit', (event) => {
    if (stopped) return;
    event.preventDefault();
    unregisterIpc();
    tray.destroy();
    core.stop().finally(() => {
      stopped = true;
      app.quit();
    });
  });
}
