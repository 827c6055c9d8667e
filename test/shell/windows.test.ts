// Window options and the window manager: secure settings on every window, the approval window's life cycle,
// navigation and new windows denied.
import { describe, expect, it } from 'vitest';
import { View } from '../../ipc/contract.js';
import { hardenSession, hardenWebContents, isAllowedRequestUrl } from '../../main/shell/web-contents-guard.js';
import { createSecureWindow } from '../../main/shell/window-options.js';
import { createWindowManager } from '../../main/shell/windows.js';
import { FakeSession, FakeWebContents, fakeBrowserWindowClass } from './support/fake-electron.js';
import { aPendingApproval } from './support/fixtures.js';

const PRELOAD = '/app/dist/preload/index.cjs';

const SECURE = {
  preload: PRELOAD,
  contextIsolation: true,
  sandbox: true,
  nodeIntegration: false,
  nodeIntegrationInWorker: false,
  nodeIntegrationInSubFrames: false,
  webSecurity: true,
  allowRunningInsecureContent: false,
  webviewTag: false,
  experimentalFeatures: false,
};

describe('window options', () => {
  it.each(View.options)('%s window: hidden until shown, secure webPreferences', (view) => {
    const { created, BrowserWindow } = fakeBrowserWindowClass();
    createSecureWindow(BrowserWindow, view, PRELOAD, { devTools: false });
    expect(created).toHaveLength(1);
    const options = created[0]!.options;
    expect(options.show).toBe(false);
    expect(options.webPreferences).toMatchObject({ ...SECURE, disableBlinkFeatures: 'Auxclick', devTools: false });
    expect(options.webPreferences).not.toHaveProperty('enableBlinkFeatures');
    expect(options.webPreferences).not.toHaveProperty('additionalArguments');
  });

  it('allows DevTools only when asked (development builds)', () => {
    const { created, BrowserWindow } = fakeBrowserWindowClass();
    createSecureWindow(BrowserWindow, 'keys', PRELOAD, { devTools: true });
    expect(created[0]!.options.webPreferences).toMatchObject({ ...SECURE, devTools: true });
  });
});

describe('window manager', () => {
  function setup() {
    const factory = fakeBrowserWindowClass();
    const manager = createWindowManager({
      BrowserWindow: factory.BrowserWindow,
      preloadPath: PRELOAD,
      devTools: false,
    });
    return { factory, manager };
  }

  it('creates the approval window hidden at start, from our bundle, with the secure options', async () => {
    const { factory, manager } = setup();
    await manager.start();
    expect(factory.created).toHaveLength(1);
    const [approval] = factory.created;
    expect(approval?.loadedUrl).toBe('app://countersign/index.html#approval');
    expect(approval?.visible).toBe(false);
    expect(approval?.options.webPreferences).toMatchObject(SECURE);
    expect(manager.ownWebContentsIds()).toEqual(new Set([approval?.webContents.id]));
  });

  it('brings the approval window up on top, without stealing focus, when a request arrives; hides it when the queue empties', async () => {
    const { factory, manager } = setup();
    await manager.start();
    const approval = factory.created[0]!;
    const pending = aPendingApproval();
    manager.approvalArrived(pending);
    manager.pendingChanged([pending]);
    expect(approval.alwaysOnTop).toBe(true);
    expect(approval.visible).toBe(true);
    expect(approval.calls).toEqual(['showInactive']);

    manager.pendingChanged([]);
    expect(approval.visible).toBe(false);
    expect(approval.alwaysOnTop).toBe(false);
  });

  it('opens the approval window at a request when asked (notification or tray click)', async () => {
    const { factory, manager } = setup();
    await manager.start();
    const approval = factory.created[0]!;
    manager.pageReady(approval.webContents.id);
    await manager.open('approval', { accountId: 'acct-1', uuid: 'u-1' });
    expect(factory.created).toHaveLength(1);
    expect(approval.webContents.sent).toEqual([
      { channel: 'app:navigate', payload: { view: 'approval', accountId: 'acct-1', uuid: 'u-1' } },
    ]);
    expect(approval.calls).toEqual(['show', 'focus']);
    expect(approval.alwaysOnTop).toBe(true);
  });

  it('hides the approval window instead of closing it, until the app quits', async () => {
    const { factory, manager } = setup();
    await manager.start();
    const approval = factory.created[0]!;
    approval.show();
    approval.close();
    expect(approval.destroyed).toBe(false);
    expect(approval.visible).toBe(false);

    manager.closeAll();
    expect(approval.destroyed).toBe(true);
    expect(manager.ownWebContentsIds().size).toBe(0);
  });

  it('opens one window per view with its parameters in the hash, reuses it, and forgets it once closed', async () => {
    const { factory, manager } = setup();
    await manager.open('ips', { accountId: 'acct-1', credentialId: 3 });
    const ips = factory.created[0]!;
    expect(ips.loadedUrl).toBe('app://countersign/index.html#ips?accountId=acct-1&credentialId=3');
    expect(ips.visible).toBe(true);
    manager.pageReady(ips.webContents.id);

    await manager.open('ips', { accountId: 'acct-1', credentialId: 4 });
    expect(factory.created).toHaveLength(1);
    expect(ips.webContents.sent.at(-1)).toEqual({
      channel: 'app:navigate',
      payload: { view: 'ips', accountId: 'acct-1', credentialId: 4 },
    });

    ips.close();
    expect(manager.ownWebContentsIds().has(ips.webContents.id)).toBe(false);
    await manager.open('ips');
    expect(factory.created).toHaveLength(2);
  });

  it('broadcasts events to every live window', async () => {
    const { factory, manager } = setup();
    await manager.start();
    await manager.open('keys');
    for (const window of factory.created) manager.pageReady(window.webContents.id);
    manager.broadcast('approvals:changed', []);
    for (const window of factory.created)
      expect(window.webContents.sent).toContainEqual({ channel: 'approvals:changed', payload: [] });
  });

  it('holds messages for a page that is still loading and delivers them, in order, once it says ready', async () => {
    const { factory, manager } = setup();
    await manager.start();
    const approval = factory.created[0]!;
    const first = aPendingApproval();
    const second = aPendingApproval();
    const closed = { accountId: 'acct-1', uuid: first.request.uuid, status: 'EXPIRED', by: 'expiry' } as const;
    const locked = { accountId: 'acct-1', credentialId: 3, credentialName: 'billing-bot', reason: 'three blocks' };
    manager.broadcast('approvals:changed', [first]);
    manager.broadcast('approval:closed', closed);
    manager.broadcast('approvals:changed', [second]);
    manager.broadcast('credential:locked', locked);
    // Nothing reaches a page that has no listeners yet: Electron would deliver it to nobody.
    expect(approval.webContents.sent).toEqual([]);

    manager.pageReady(approval.webContents.id);
    // Fire-once events all arrive; of the pending-list snapshots only the newest, after them.
    expect(approval.webContents.sent).toEqual([
      { channel: 'approval:closed', payload: closed },
      { channel: 'approvals:changed', payload: [second] },
      { channel: 'credential:locked', payload: locked },
    ]);

    // Once ready, messages go straight through.
    manager.broadcast('approvals:changed', []);
    expect(approval.webContents.sent.at(-1)).toEqual({ channel: 'approvals:changed', payload: [] });
  });

  it('holds messages again while a window loads a new document (a reload), until that page is ready', async () => {
    const { factory, manager } = setup();
    await manager.start();
    const approval = factory.created[0]!;
    manager.pageReady(approval.webContents.id);
    approval.webContents.fire('did-navigate', 'app://countersign/index.html#approval');
    const uuid = aPendingApproval().request.uuid;
    const closed = { accountId: 'acct-1', uuid, status: 'ACCEPTED', by: 'elsewhere' } as const;
    manager.broadcast('approval:closed', closed);
    expect(approval.webContents.sent).toEqual([]);
    manager.pageReady(approval.webContents.id);
    expect(approval.webContents.sent).toEqual([{ channel: 'approval:closed', payload: closed }]);
  });

  it('queues a navigate for an open window that is loading, and ignores ready from unknown pages', async () => {
    const { factory, manager } = setup();
    await manager.open('keys', { accountId: 'acct-1' });
    const keys = factory.created[0]!;
    await manager.open('keys', { accountId: 'acct-2' });
    manager.pageReady(9999);
    expect(keys.webContents.sent).toEqual([]);
    manager.pageReady(keys.webContents.id);
    expect(keys.webContents.sent).toEqual([
      { channel: 'app:navigate', payload: { view: 'keys', accountId: 'acct-2' } },
    ]);
  });
});

describe('web contents guard', () => {
  it('denies new windows and prevents navigation, redirects and webviews', () => {
    const contents = new FakeWebContents();
    hardenWebContents(contents.asElectron());
    expect(contents.windowOpenHandler?.({ url: 'https://evil.example/' })).toEqual({ action: 'deny' });
    expect(contents.windowOpenHandler?.({ url: 'app://countersign/index.html' })).toEqual({ action: 'deny' });
    for (const event of ['will-navigate', 'will-frame-navigate', 'will-redirect', 'will-attach-webview']) {
      expect(contents.listenerCount(event), event).toBe(1);
      expect(contents.fire(event, 'https://evil.example/'), event).toBe(true);
    }
  });

  it('denies every permission and every request that is not our bundle', async () => {
    const session = new FakeSession();
    hardenSession(session.asElectron());
    const granted = await new Promise<boolean>((resolve) =>
      session.permissionRequestHandler?.(null, 'notifications', resolve),
    );
    expect(granted).toBe(false);
    expect(session.permissionCheckHandler?.()).toBe(false);
    expect(session.devicePermissionHandler?.()).toBe(false);

    const cancelled = (url: string) =>
      new Promise<boolean>((resolve) => session.beforeRequest?.({ url }, (r) => resolve(r.cancel)));
    expect(await cancelled('https://evil.example/x.js')).toBe(true);
    expect(await cancelled('http://127.0.0.1:8787/v1/')).toBe(true);
    expect(await cancelled('app://countersign/assets/index.js')).toBe(false);
    expect(isAllowedRequestUrl('data:image/png;base64,AAAA')).toBe(true);
    expect(isAllowedRequestUrl('file:///etc/passwd')).toBe(false);
  });
});
