// The shell's Electron-free wiring against a REAL core, a REAL server and the REAL requester library: what main
// registers on ipcMain (createIpcHandlers), forwards to windows (forwardCoreEvents), notifies (notifyNewApprovals)
// and does with a countersign:// link (handleDeepLink). Only Electron is missing; the keychain is real, so this
// runs inside scripts/with-desktop-session.sh.
import { afterEach, expect, it } from 'vitest';
import { openSession } from '../../client/index.js';
import type { EventChannel, Settings } from '../../ipc/contract.js';
import type { Account } from '../../main/core/api.js';
import { forwardCoreEvents } from '../../main/ipc/events.js';
import { createIpcHandlers, type ShellActions } from '../../main/ipc/handlers.js';
import { handleDeepLink } from '../../main/shell/deep-link.js';
import { type DesktopNotification, notifyNewApprovals } from '../../main/shell/notifications.js';
import { describeWithKeychain } from '../core/keychain-session.js';
import { startTestCore, type TestCore, waitConnected, waitFor } from '../support/core.js';
import { startTestServer, type TestServer } from '../support/server.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function world(): Promise<{ server: TestServer; approver: TestCore }> {
  const server = await startTestServer();
  cleanups.push(() => server.close());
  await server.admin.createUser('alice');
  const approver = await startTestCore();
  cleanups.push(() => approver.close());
  return { server, approver };
}

/** The windows/settings side as main gives it to the handlers; records what the renderer asked to open. */
function shellActions() {
  const opened: unknown[][] = [];
  const settings: Settings = { startAtLogin: false, platform: 'linux', version: '0.1.0' };
  const shell: ShellActions = {
    openWindow: (view, params) => {
      opened.push([view, params]);
    },
    getSettings: () => settings,
    setStartAtLogin: (enabled) => ({ ...settings, startAtLogin: enabled }),
  };
  return { shell, opened };
}

describeWithKeychain('shell wiring over a real core', () => {
  it('pairs, manages keys and approves a real request through the IPC handlers, events and notifications', async () => {
    const { server, approver } = await world();
    const { shell } = shellActions();
    const handlers = createIpcHandlers(approver.core, shell);
    const sent: Array<{ event: EventChannel; payload: unknown }> = [];
    const stopForwarding = forwardCoreEvents(approver.core, (event, payload) => sent.push({ event, payload }));
    cleanups.push(async () => stopForwarding());
    const notifications: Array<{ notification: DesktopNotification; click: (action?: string | null) => void }> = [];
    const opened: Array<{ accountId: string; uuid: string }> = [];
    notifyNewApprovals(
      approver.core,
      { show: (notification, click) => notifications.push({ notification, click: (action = null) => click(action) }) },
      (target) => opened.push(target),
    );

    // Pair from a pairing link, as the Accounts view does.
    const { pairing_url } = await server.admin.pair('alice');
    const paired = await handlers['accounts:pair']({ link: pairing_url, deviceName: 'shell test' });
    expect(paired).toMatchObject({ ok: true, value: { userName: 'alice', deviceName: 'shell test' } });
    const account = (paired as { value: Account }).value;
    await waitConnected(approver.core, account.id);
    expect(await handlers['accounts:list']()).toMatchObject({ ok: true, value: [{ id: account.id }] });
    expect(sent.some((s) => s.event === 'accounts:changed')).toBe(true);

    // A key made through the handlers is on the server; bad arguments change nothing there.
    const created = await handlers['keys:create'](account.id, { name: 'deploy bot', mode: 'push', code_length: 0 });
    expect(created).toMatchObject({ ok: true, value: { name: 'deploy bot', mode: 'push' } });
    const apiKey = (created as { value: { token_value: string | null } }).value.token_value;
    expect(apiKey).toBeTruthy();
    const refused = await handlers['keys:create'](account.id, { name: 'sneaky', mode: 'push', token_value: 'mine' });
    expect(refused).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    const keys = await handlers['keys:list'](account.id);
    expect(keys.ok && keys.value.map((k) => k.name)).toEqual(['deploy bot']);

    // The core's own errors cross as data too.
    expect(await handlers['keys:list']('no-such-account')).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });

    // A real requester asks; the approver is notified (key name, IP), the windows hear of it, and a decision
    // through the handler gives the requester its token.
    const session = openSession({ server: server.url, apiKey: apiKey!, description: 'shell test', timeoutSeconds: 60 });
    const pending = await waitFor('the request to reach the approver', async () => {
      const listed = await handlers['approvals:list']();
      return listed.ok ? listed.value[0] : undefined;
    });
    expect(pending.request.credential.name).toBe('deploy bot');
    await waitFor('the notification', () => notifications.length === 1);
    expect(notifications[0]?.notification.title).toBe('Session request for key “deploy bot”');
    expect(notifications[0]?.notification.body).toContain(`From ${pending.request.ip}`);
    notifications[0]?.click();
    expect(opened).toEqual([{ accountId: account.id, uuid: pending.request.uuid }]);
    expect(sent.some((s) => s.event === 'approvals:changed' && (s.payload as unknown[]).length === 1)).toBe(true);

    const decided = await handlers['approvals:decide'](account.id, pending.request.uuid, { decision: 'APPROVE' });
    expect(decided).toEqual({ ok: true, value: { outcome: 'decided', status: 'ACCEPTED', bindingMismatch: false } });
    expect(await session).toMatchObject({ status: 'ACCEPTED', token: expect.any(String) });
    await waitFor('the queue to empty', async () => {
      const listed = await handlers['approvals:list']();
      return listed.ok && listed.value.length === 0;
    });
  });

  it('pairs from a countersign:// link only after the user confirms, and shows the Accounts view with the result', async () => {
    const { server, approver } = await world();
    const shown: Array<Account | null> = [];
    const errors: string[] = [];
    const deps = (confirm: boolean) => ({
      core: approver.core,
      confirmPairing: async () => confirm,
      showAccounts: (account: Account | null) => {
        shown.push(account);
      },
      showError: (error: { message: string }) => errors.push(error.message),
    });

    const declined = (await server.admin.pair('alice')).pairing_url;
    expect(await handleDeepLink(declined, deps(false))).toBeNull();
    expect(approver.core.listAccounts()).toEqual([]);
    expect(shown).toEqual([]);

    expect(await handleDeepLink('countersign://settings?open=1', deps(true))).toMatchObject({ ok: false });
    expect(errors).toEqual(['Countersign only understands pairing links (countersign://pair?server=…&code=…).']);
    expect(approver.core.listAccounts()).toEqual([]);

    const result = await handleDeepLink((await server.admin.pair('alice')).pairing_url, deps(true));
    expect(result).toMatchObject({ ok: true, value: { userName: 'alice' } });
    expect(approver.core.listAccounts()).toHaveLength(1);
    expect(shown).toEqual([approver.core.listAccounts()[0]]);

    // A used code fails on the server: the Accounts view opens (to try again) and the error is shown.
    const used = await handleDeepLink(declined.replace(/code=[^&]+/, 'code=AAAA-BBBB-CCCC-DDDD'), deps(true));
    expect(used).toMatchObject({ ok: false, error: { code: 'PAIRING_FAILED' } });
    expect(shown.at(-1)).toBeNull();
    expect(errors).toHaveLength(2);
  });
});
