// The main process's composition root (main/app.ts) driven end to end: the FAKE ELECTRON MODULE stands in for
// Electron (no binary can be downloaded here), everything behind it is real — the core with its SQLite file, the
// OS keychain, a real server over loopback and the real requester library.
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, expect, it, vi } from 'vitest';
import { openSession } from '../../client/index.js';
import type { Account, PendingApproval } from '../../ipc/contract.js';
import { describeWithKeychain } from '../core/keychain-session.js';
import { waitConnected, waitFor } from '../support/core.js';
import { clockTime } from '../../main/shell/enrolment-notifications.js';
import { TestDevice } from '../support/device.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { type AppWorld, newProfile, type Profile, startApp } from './support/app-world.js';
import { FakeBrowserWindow, FakeSender, FakeTray } from './support/fake-electron.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  vi.restoreAllMocks();
});

async function aServer(): Promise<TestServer> {
  const server = await startTestServer();
  cleanups.push(() => server.close());
  await server.admin.createUser('alice');
  return server;
}

async function aProfile(): Promise<Profile> {
  const profile = await newProfile();
  cleanups.push(() => profile.remove());
  return profile;
}

/** Starts the app and makes sure it is quit (and its core stopped) at the end of the test. */
async function running(profile: Profile, options: Parameters<typeof startApp>[1] = {}): Promise<AppWorld> {
  const world = await startApp(profile, options);
  cleanups.push(async () => {
    if (!world.electron.app.quitted && world.electron.app.exitCode === null) await world.quit();
  });
  return world;
}

/** Pairs through a countersign:// link handed over by a second instance, the user answering "Pair". */
async function pairBySecondInstance(world: AppWorld, server: TestServer): Promise<Account> {
  const { pairing_url } = await server.admin.pair('alice');
  world.electron.dialog.answer = () => 0;
  world.electron.app.fire('second-instance', ['/opt/Countersign/countersign', '--no-sandbox', pairing_url], '/');
  const core = world.running!.core;
  const account = await waitFor('the link to pair', () => core.listAccounts()[0]);
  return waitConnected(core, account.id);
}

describeWithKeychain('the main process over a fake Electron, a real core, server and keychain', () => {
  it('takes the single-instance lock; without it, quits at once and touches nothing', async () => {
    const profile = await aProfile();
    const world = await startApp(profile, { before: (electron) => (electron.app.singleInstanceLock = false) });
    expect(await world.started).toBeNull();
    expect(world.electron.app.quitRequests).toBe(1);
    expect(world.electron.app.quitted).toBe(true);
    expect(world.electron.windows).toEqual([]);
    expect(world.electron.trays).toEqual([]);
    expect(world.electron.ipcMain.handlers.size).toBe(0);
    expect(world.electron.protocol.handlers.size).toBe(0);
  });

  it('on ready: the app:// bundle, the tray, the IPC handlers and the approval window pre-warmed, hidden', async () => {
    const profile = await aProfile();
    const world = await running(profile);
    const { electron } = world;
    expect(world.running).not.toBeNull();
    expect(electron.protocol.privileged).toEqual([
      { scheme: 'app', privileges: { standard: true, secure: true, corsEnabled: true } },
    ]);
    expect([...electron.protocol.handlers.keys()]).toEqual(['app']);
    expect(electron.app.protocolClients).toEqual([['countersign']]);

    expect(electron.trays).toHaveLength(1);
    expect(electron.trays[0]?.tooltip).toBe('Countersign: No account paired — open Accounts… to pair');
    expect(electron.trays[0]?.template.map((item) => item.label ?? item.type)).toContain('Quit Countersign');

    expect(electron.windows).toHaveLength(1);
    const approval = world.window('approval')!;
    expect(approval.loadedUrl).toBe('app://countersign/index.html#approval');
    expect(approval.visible).toBe(false);
    expect(approval.options.webPreferences).toMatchObject({ contextIsolation: true, sandbox: true });
    // The app hardened the window's contents as Electron created them.
    expect(approval.webContents.fire('will-navigate', 'https://evil.example/')).toBe(true);
    expect(electron.session.permissionCheckHandler?.()).toBe(false);

    expect(await world.invoke(approval, 'accounts:list')).toEqual({ ok: true, value: [] });
    expect(await electron.ipcMain.invoke('accounts:list', new FakeSender(9, null))).toMatchObject({
      ok: false,
      error: { message: 'refused: unknown sender' },
    });
    expect(world.errors).toEqual([]);
  });

  it('pairs from a link a second instance hands over, after the user confirms the origin; opens Accounts', async () => {
    const server = await aServer();
    const profile = await aProfile();
    const world = await running(profile);
    const account = await pairBySecondInstance(world, server);

    const question = world.electron.dialog.messageBoxes[0];
    expect(question?.message).toBe(`Pair this desktop with ${new URL(server.url).origin}?`);
    expect(question?.buttons).toEqual(['Pair', 'Cancel']);
    expect(question?.cancelId).toBe(1);
    const accounts = await waitFor('the Accounts window', () => world.window('accounts'));
    expect(accounts.loadedUrl).toBe(`app://countersign/index.html#accounts?accountId=${account.id}`);
    expect(accounts.visible).toBe(true);
    await waitFor('the tray to say connected', () =>
      world.electron.trays[0]?.tooltip === 'Countersign: Connected' ? true : undefined,
    );

    // A second start without a link brings up a window instead of doing nothing.
    world.electron.app.fire('second-instance', ['/opt/Countersign/countersign'], '/');
    await waitFor('Accounts to be focused again', () => accounts.calls.filter((c) => c === 'focus').length >= 2);
  });

  it('refuses a link the user declines, and a link with control characters without asking', async () => {
    const server = await aServer();
    const profile = await aProfile();
    const world = await running(profile);
    const { pairing_url } = await server.admin.pair('alice');
    world.electron.dialog.answer = () => 1;
    world.electron.app.fire('second-instance', ['countersign', pairing_url], '/');
    await waitFor('the question', () => world.electron.dialog.messageBoxes.length === 1);

    const crafted = pairing_url.replace(/server=[^&]+/, `server=${encodeURIComponent(`${server.url}/\n\nSafe.`)}`);
    world.electron.app.fire('second-instance', ['countersign', crafted], '/');
    await waitFor('the refusal', () => world.electron.dialog.messageBoxes.length === 2);
    expect(world.electron.dialog.messageBoxes[1]).toMatchObject({
      type: 'error',
      message: 'The pairing link contains control characters; refused.',
    });
    expect(world.running!.core.listAccounts()).toEqual([]);
  });

  it('delivers a launch link once the app runs', async () => {
    const server = await aServer();
    const profile = await aProfile();
    const { pairing_url } = await server.admin.pair('alice');
    const world = await running(profile, {
      argv: ['/opt/Countersign/countersign', pairing_url],
      before: (electron) => (electron.dialog.answer = () => 0),
    });
    await waitFor('the launch link to pair', () => world.running!.core.listAccounts()[0]);
  });

  it('a push shows the approval window without focus; the page gets what came while it loaded once ready', async () => {
    const server = await aServer();
    const profile = await aProfile();
    const world = await running(profile);
    const account = await pairBySecondInstance(world, server);
    const approval = world.window('approval')!;
    const key = await server.admin.createKey({ user: 'alice', name: 'deploy bot', mode: 'push' });

    const session = openSession({ server: server.url, apiKey: key.api_key, description: 'app test' });
    session.catch(() => {});
    await waitFor('the window to come up', () => approval.visible);
    expect(approval.calls).toContain('showInactive');
    expect(approval.calls).not.toContain('focus');
    expect(approval.alwaysOnTop).toBe(true);
    expect(world.notifications).toHaveLength(1);
    expect(world.notifications[0]?.notification.title).toBe('Session request for key “deploy bot”');
    // The page has not said it is ready: nothing was sent to nobody.
    expect(approval.webContents.sent).toEqual([]);

    world.pageReady(approval);
    const delivered = approval.webContents.sent.filter((m) => m.channel === 'approvals:changed');
    const pending = delivered.at(-1)?.payload as PendingApproval[];
    expect(pending.map((p) => p.request.credential.name)).toEqual(['deploy bot']);

    // Clicking the notification focuses the window at that request.
    world.notifications[0]?.click();
    await waitFor('focus', () => approval.calls.includes('focus'));
    expect(approval.webContents.sent.at(-1)).toEqual({
      channel: 'app:navigate',
      payload: { view: 'approval', accountId: account.id, uuid: pending[0]?.request.uuid },
    });

    const decided = await world.invoke(approval, 'approvals:decide', account.id, pending[0]?.request.uuid, {
      decision: 'APPROVE',
    });
    expect(decided).toMatchObject({ ok: true, value: { outcome: 'decided', status: 'ACCEPTED' } });
    expect(await session).toMatchObject({ status: 'ACCEPTED' });
    await waitFor('the window to hide', () => !approval.visible);
  });

  it('never loses a fire-once event sent while the page loads (approval:closed on expiry)', async () => {
    const server = await aServer();
    const profile = await aProfile();
    const world = await running(profile);
    await pairBySecondInstance(world, server);
    const approval = world.window('approval')!;
    const key = await server.admin.createKey({ user: 'alice', name: 'deploy bot', mode: 'push' });
    const session = openSession({ server: server.url, apiKey: key.api_key, timeoutSeconds: 60 });
    session.catch(() => {});
    const pending = await waitFor('the request', () => world.running!.core.pending()[0]);
    // Another device decides: the request closes here "elsewhere" while the approval page is still loading.
    const other = await server.admin.pair('alice');
    const device = await TestDevice.pair(server.url, other.code, 'other device');
    await device.decide(pending.request.uuid, { decision: 'BLOCK' });
    await waitFor('the request to close', () => world.running!.core.pending().length === 0);
    expect(approval.webContents.sent).toEqual([]);

    world.pageReady(approval);
    expect(approval.webContents.sent.filter((m) => m.channel === 'approval:closed')).toEqual([
      {
        channel: 'approval:closed',
        payload: { accountId: pending.accountId, uuid: pending.request.uuid, status: 'REJECTED', by: 'elsewhere' },
      },
    ]);
    await session;
  });

  it('a device paired elsewhere: a notification says who, where, when; its Remove removes it at the server', async () => {
    const server = await aServer();
    const profile = await aProfile();
    const world = await running(profile);
    const account = await pairBySecondInstance(world, server);
    const core = world.running!.core;
    const approval = world.window('approval')!;
    world.pageReady(approval);

    const intruder = await TestDevice.pair(server.url, (await server.admin.pair('alice')).code, 'X');
    const posted = await waitFor('the enrolment notification', () =>
      world.notifications.find((n) => n.notification.title === 'New approver for alice'),
    );
    const notice = core.deviceNotices()[0]!;
    expect(posted.notification).toEqual({
      title: 'New approver for alice',
      body: `New approver 'X' (linux) paired from 127.0.0.1 at ${clockTime(notice.at)} — not you? Remove it`,
      timeoutSeconds: 600,
      actions: ['Remove'],
    });
    // The open window heard it too (and the list of notices), through the schema's events.
    expect(approval.webContents.sent.map((m) => m.channel)).toEqual(
      expect.arrayContaining(['devices:enrolment', 'devices:notices-changed']),
    );
    // The same notice is in the app for a desktop whose notifications report no clicks.
    expect(await world.invoke(approval, 'devices:notices')).toEqual({ ok: true, value: [notice] });

    world.electron.dialog.answer = (options) => options.buttons!.indexOf('Remove');
    posted.click('Remove');
    await waitFor('the device to be gone at the server', async () => {
      const devices = await core.listDevices(account.id);
      return devices.ok && devices.value.every((d) => d.id !== intruder.id);
    });
    const question = world.electron.dialog.messageBoxes.at(-1)!;
    expect(question).toMatchObject({
      type: 'warning',
      title: 'Remove this approver?',
      message: "Remove approver 'X' (linux) from alice's devices?",
      buttons: ['Remove', 'Show devices', 'Cancel'],
      cancelId: 2,
      defaultId: 2,
    });
    expect((await intruder.request('GET', `/v1/user/${intruder.userId}/approver-device`)).status).toBe(401);
    // Removed from here: the notice goes, and no second notification tells this desktop what it just did.
    await waitFor('the notice to go', () => core.deviceNotices().length === 0);
    expect(world.notifications.filter((n) => n.notification.title.startsWith('Approver removed'))).toEqual([]);
  });

  it('a removal by another device is told as "removed by"; its click opens the Devices view', async () => {
    const server = await aServer();
    const profile = await aProfile();
    const world = await running(profile);
    const account = await pairBySecondInstance(world, server);
    const phone = await TestDevice.pair(server.url, (await server.admin.pair('alice')).code, 'Y');
    const tablet = await TestDevice.pair(server.url, (await server.admin.pair('alice')).code, 'X');
    expect((await phone.request('DELETE', `/v1/approver-device/${tablet.id}`)).status).toBe(200);

    const posted = await waitFor('the removal notification', () =>
      world.notifications.find((n) => n.notification.title === 'Approver removed for alice'),
    );
    expect(posted.notification.body).toMatch(/^Approver 'X' was removed by 'Y' at [0-2][0-9]:[0-5][0-9]$/);
    // Cancel on a pairing's question removes nothing.
    const pairing = world.notifications.find((n) => n.notification.body.startsWith("New approver 'Y'"))!;
    world.electron.dialog.answer = (options) => options.buttons!.indexOf('Cancel');
    pairing.click(null);
    await waitFor('the question', () =>
      world.electron.dialog.messageBoxes.some((b) => b.title === 'Remove this approver?'),
    );
    const devices = await world.running!.core.listDevices(account.id);
    expect(devices.ok && devices.value.map((d) => d.name).sort()).toEqual(['Y', 'app test desktop']);

    posted.click(null);
    const window = await waitFor('the devices window', () => world.window('devices'));
    expect(new URL(window.loadedUrl!).hash).toBe(`#devices?accountId=${account.id}`);
  });

  it('quits with requests pending: windows closed, tray gone, core stopped, nothing used after it is destroyed', async () => {
    const server = await aServer();
    const profile = await aProfile();
    const world = await running(profile);
    await pairBySecondInstance(world, server);
    const key = await server.admin.createKey({ user: 'alice', name: 'deploy bot', mode: 'push' });
    const session = openSession({ server: server.url, apiKey: key.api_key, timeoutSeconds: 60 });
    session.catch(() => {});
    const approval = world.window('approval')!;
    await waitFor('the window to come up', () => approval.visible);
    // Errors the core's event emitter catches from a listener go to console.error.
    const consoleErrors = vi.spyOn(console, 'error');

    await world.quit();
    expect(world.electron.windows.every((w) => w.destroyed)).toBe(true);
    expect(world.electron.trays[0]?.destroyed).toBe(true);
    expect(world.electron.ipcMain.handlers.size).toBe(0);
    expect(world.electron.ipcMain.listenerCount('app:ready')).toBe(0);
    expect(world.running!.core.listAccounts()).toEqual([]);
    expect(consoleErrors).not.toHaveBeenCalled();
    expect(world.errors).toEqual([]);

    // The request is still pending on the server; the next start brings the window up with it again, without a
    // second notification.
    const again = await running(profile);
    await waitFor('the request to be back', () => again.running!.core.pending().length === 1);
    await waitFor('the window to come up again', () => again.window('approval')?.visible);
    expect(again.notifications).toEqual([]);
    await again.quit();
  });

  it('says so and quits when start-up fails after ready (the data folder cannot be used)', async () => {
    const profile = await aProfile();
    // A file where the data folder should be: the core cannot open its database.
    const blocked = join(profile.userData, 'not-a-folder');
    writeFileSync(blocked, '');
    const world = await startApp({ ...profile, userData: blocked });
    expect(await world.started).toBeNull();
    expect(world.electron.dialog.errorBoxes.map((box) => box.title)).toEqual(['Countersign could not start']);
    expect(world.electron.app.exitCode).toBe(1);
  });

  it('shows a window for a second start that came while the first was still starting', async () => {
    const profile = await aProfile();
    const world = await startApp(profile, { ready: false });
    world.electron.app.fire('second-instance', ['/opt/Countersign/countersign'], '/');
    world.electron.app.becomeReady();
    world.running = await world.started;
    cleanups.push(() => world.quit());
    const accounts = await waitFor('the Accounts window', () => world.window('accounts'));
    expect(accounts.visible).toBe(true);
  });

  it('stops with a clear dialog, and creates nothing, when the keychain is locked at start', async () => {
    const userData = mkdtempSync(join(tmpdir(), 'countersign-app-locked-'));
    cleanups.push(async () => rmSync(userData, { recursive: true, force: true }));
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: userData, XDG_DATA_HOME: join(userData, 'keyrings') };
    delete env.DISPLAY;
    delete env.DBUS_SESSION_BUS_ADDRESS;
    // Its own session bus and keyring, so locking it leaves every other test's keyring alone.
    const script =
      'echo -n countersign-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$@"';
    const child = join(import.meta.dirname, 'fixtures', 'app-start-child.ts');
    const { stdout } = await promisify(execFile)(
      'dbus-run-session',
      [
        '--',
        'bash',
        '-c',
        script,
        'child',
        process.execPath,
        '--import',
        'tsx',
        child,
        'locked',
        join(userData, 'app'),
      ],
      { env, timeout: 60_000 },
    );
    const report = JSON.parse(stdout.trim().split('\n').pop()!);
    expect(report).toMatchObject({ running: false, exitCode: 1, windows: 0, trays: 0, ipcHandlers: 0 });
    expect(report.messageBoxes).toEqual([
      expect.objectContaining({
        type: 'error',
        title: 'Countersign cannot start',
        message: 'Your keychain is locked.',
      }),
    ]);
    expect(report.messageBoxes[0].detail).toMatch(/Unlock your keyring[\s\S]*Countersign will now quit/);
    // No database either: nothing is made before the keychain answers.
    expect(existsSync(join(userData, 'app', 'approver.db'))).toBe(false);
  });

  it('relies on a fake that is strict where Electron is: a destroyed tray or window throws when used', () => {
    // If the fake forgave use after destroy, the quit test above could not catch it.
    const tray = new FakeTray(null);
    tray.destroy();
    expect(() => tray.setToolTip('x')).toThrow('Object has been destroyed');
    const window = new FakeBrowserWindow({});
    window.close();
    expect(() => window.show()).toThrow('Object has been destroyed');
    expect(() => window.webContents.send('approvals:changed', [])).toThrow('Object has been destroyed');
  });
});
