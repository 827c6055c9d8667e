// The tray: icon, tooltip and menu per state, and what a click does.
import { describe, expect, it } from 'vitest';
import type { MenuItemConstructorOptions } from 'electron';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { createAppTray } from '../../main/shell/tray.js';
import {
  buildTrayMenu,
  MAX_LISTED_PENDING,
  type TrayAction,
  type TrayState,
  trayIcon,
  trayTooltip,
} from '../../main/shell/tray-menu.js';
import { fakeTrayDeps } from './support/fake-electron.js';
import { anAccount, aPendingApproval } from './support/fixtures.js';

const RESOURCES = join(import.meta.dirname, '..', '..', 'resources');
const offline = anAccount(
  { id: 'acct-2', userName: 'bob', server: 'https://approve.example.org' },
  { state: 'offline', reason: 'ECONNREFUSED', retryAt: null },
);
const labels = (state: TrayState) =>
  buildTrayMenu(state).map((item) => (item.kind === 'separator' ? '---' : item.label));

describe('tray menu', () => {
  it('with no account: offline icon and a hint to pair', () => {
    const state: TrayState = { accounts: [], pending: [], startAtLogin: false };
    expect(trayIcon(state)).toBe('tray-offline');
    expect(labels(state)).toEqual([
      'No account paired — open Accounts… to pair',
      '---',
      'No pending approvals',
      '---',
      'Keys…',
      'IP addresses…',
      'Active grants (0)…',
      'History…',
      'Devices…',
      'Accounts…',
      '---',
      'Start at login',
      'Quit Countersign',
    ]);
  });

  it('names device changes waiting to be reviewed, and opens the Devices view for them', () => {
    const state: TrayState = { accounts: [anAccount()], pending: [], startAtLogin: false, deviceNotices: 1 };
    expect(labels(state).slice(2, 4)).toEqual(['No pending approvals', 'A device was paired or removed — review…']);
    expect(buildTrayMenu(state)[3]).toEqual({
      kind: 'action',
      label: 'A device was paired or removed — review…',
      action: { type: 'open-view', view: 'devices' },
    });
    expect(labels({ ...state, deviceNotices: 3 })[3]).toBe('3 device changes — review…');
    expect(labels({ ...state, deviceNotices: 0 })[3]).toBe('---');
  });

  it('counts the live grants and opens the Grants view', () => {
    const state: TrayState = { accounts: [anAccount()], pending: [], startAtLogin: false, activeGrants: 3 };
    expect(buildTrayMenu(state)).toContainEqual({
      kind: 'action',
      label: 'Active grants (3)…',
      action: { type: 'open-view', view: 'grants' },
    });
    expect(labels({ ...state, activeGrants: 0 })).toContain('Active grants (0)…');
  });

  it('with an account, even offline: "Show code…" opens the Accounts view (the offline code lives there)', () => {
    const state: TrayState = { accounts: [offline], pending: [], startAtLogin: false };
    expect(labels(state).slice(2, 6)).toEqual(['No pending approvals', '---', 'Show code…', 'Keys…']);
    expect(buildTrayMenu(state)).toContainEqual({
      kind: 'action',
      label: 'Show code…',
      action: { type: 'open-view', view: 'accounts' },
    });
  });

  it('connected, nothing pending', () => {
    const state: TrayState = { accounts: [anAccount()], pending: [], startAtLogin: true };
    expect(trayIcon(state)).toBe('tray-connected');
    expect(trayTooltip(state)).toBe('Countersign: Connected');
    expect(buildTrayMenu(state)).toContainEqual({
      kind: 'checkbox',
      label: 'Start at login',
      checked: true,
      action: { type: 'set-start-at-login', enabled: false },
    });
  });

  it('offline when any account is not connected, naming it', () => {
    const state: TrayState = { accounts: [anAccount(), offline], pending: [], startAtLogin: false };
    expect(trayIcon(state)).toBe('tray-offline');
    expect(labels(state)[0]).toBe('Offline: bob at approve.example.org');
  });

  it('lists pending requests, each opening the approval window at that request', () => {
    const first = aPendingApproval({ credential: { id: 1, name: 'billing-bot', mode: 'push' }, ip: '198.51.100.1' });
    const second = aPendingApproval({ credential: { id: 2, name: 'deploy', mode: 'push' }, ip: '2001:db8::1' });
    const state: TrayState = { accounts: [anAccount()], pending: [first, second], startAtLogin: false };
    expect(trayIcon(state)).toBe('tray-pending-2');
    expect(trayTooltip(state)).toBe('Countersign: Connected — 2 requests waiting');
    const items = buildTrayMenu(state);
    expect(items.slice(2, 4)).toEqual([
      {
        kind: 'action',
        label: 'Approve or block: billing-bot from 198.51.100.1',
        action: { type: 'open-approval', accountId: 'acct-1', uuid: first.request.uuid },
      },
      {
        kind: 'action',
        label: 'Approve or block: deploy from 2001:db8::1',
        action: { type: 'open-approval', accountId: 'acct-1', uuid: second.request.uuid },
      },
    ]);
  });

  it('caps the listed requests and shows a many-icon past nine', () => {
    const pending = Array.from({ length: 12 }, () => aPendingApproval());
    const state: TrayState = { accounts: [anAccount()], pending, startAtLogin: false };
    expect(trayIcon(state)).toBe('tray-pending-many');
    const requestItems = buildTrayMenu(state).filter(
      (item) => item.kind === 'action' && item.action.type === 'open-approval',
    );
    expect(requestItems).toHaveLength(MAX_LISTED_PENDING + 1);
    expect(requestItems.at(-1)).toMatchObject({ label: `…and ${12 - MAX_LISTED_PENDING} more` });
  });

  it('has an icon file (1x and 2x) for every icon state', () => {
    const names = [
      'tray-connected',
      'tray-offline',
      'tray-pending-many',
      ...[1, 2, 3, 4, 5, 6, 7, 8, 9].map((n) => `tray-pending-${n}`),
    ];
    for (const name of names) {
      expect(existsSync(join(RESOURCES, `${name}.png`)), name).toBe(true);
      expect(existsSync(join(RESOURCES, `${name}@2x.png`)), name).toBe(true);
    }
  });
});

describe('tray', () => {
  function setup(platform: NodeJS.Platform = 'linux') {
    const deps = fakeTrayDeps();
    const actions: TrayAction[] = [];
    const initial: TrayState = { accounts: [anAccount()], pending: [], startAtLogin: false };
    const tray = createAppTray(
      { ...deps, iconDir: RESOURCES, platform, dispatch: (action) => actions.push(action) },
      initial,
    );
    return { deps, actions, tray, fake: deps.trays[0]! };
  }
  const click = (item: MenuItemConstructorOptions | undefined) =>
    (item?.click as unknown as (() => void) | undefined)?.();

  it('shows the icon and menu for the state and follows updates', () => {
    const { tray, fake } = setup();
    expect(fake.image).toEqual({ path: join(RESOURCES, 'tray-connected.png') });
    const pending = aPendingApproval({ credential: { id: 1, name: 'R&D export', mode: 'push' } });
    tray.update({ accounts: [anAccount()], pending: [pending], startAtLogin: false });
    expect(fake.image).toEqual({ path: join(RESOURCES, 'tray-pending-1.png') });
    expect(fake.tooltip).toBe('Countersign: Connected — 1 request waiting');
    // '&' would be a mnemonic marker on Linux and Windows.
    expect(fake.template[2]?.label).toBe(`Approve or block: R&&D export from ${pending.request.ip}`);
  });

  it('turns clicks into actions', () => {
    const { actions, fake, tray } = setup();
    const pending = aPendingApproval();
    tray.update({ accounts: [anAccount()], pending: [pending], startAtLogin: false });
    click(fake.template[2]);
    click(fake.template.find((i) => i.label === 'Keys…'));
    click(fake.template.find((i) => i.label === 'Start at login'));
    click(fake.template.find((i) => i.label === 'Quit Countersign'));
    expect(actions).toEqual([
      { type: 'open-approval', accountId: 'acct-1', uuid: pending.request.uuid },
      { type: 'open-view', view: 'keys' },
      { type: 'set-start-at-login', enabled: true },
      { type: 'quit' },
    ]);
    expect(fake.template.find((i) => i.label === 'Start at login')).toMatchObject({ type: 'checkbox', checked: false });
    expect(fake.template[0]).toMatchObject({ label: 'Connected', enabled: false });
  });

  it('keeps labels literal on macOS', () => {
    const { fake, tray } = setup('darwin');
    tray.update({
      accounts: [anAccount()],
      pending: [aPendingApproval({ credential: { id: 1, name: 'R&D', mode: 'push' } })],
      startAtLogin: false,
    });
    expect(fake.template[2]?.label).toContain('R&D from');
  });
});
