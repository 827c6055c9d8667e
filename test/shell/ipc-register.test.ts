// The sender check: only the top frame of one of our windows, on our bundle's origin, gets answers.
import { describe, expect, it } from 'vitest';
import { invokeChannels } from '../../ipc/contract.js';
import type { ApproverCore } from '../../main/core/api.js';
import { createIpcHandlers } from '../../main/ipc/handlers.js';
import { REFUSED_SENDER, registerIpcHandlers } from '../../main/ipc/register.js';
import { isOwnSender } from '../../main/shell/sender-check.js';
import { FakeIpcMain, FakeSender } from './support/fake-electron.js';

const OWN_ID = 101;
const OWN_PAGE = 'app://countersign/index.html#approval';

describe('isOwnSender', () => {
  const own = new Set([OWN_ID]);
  it('accepts the top frame of our window on our bundle', () => {
    expect(isOwnSender({ webContentsId: OWN_ID, frameUrl: OWN_PAGE, isTopFrame: true }, own)).toBe(true);
  });
  it.each([
    ['another webContents', { webContentsId: 999, frameUrl: OWN_PAGE, isTopFrame: true }],
    ['a page from the web', { webContentsId: OWN_ID, frameUrl: 'https://evil.example/', isTopFrame: true }],
    ['a look-alike host', { webContentsId: OWN_ID, frameUrl: 'app://countersign.evil/index.html', isTopFrame: true }],
    ['credentials in the URL', { webContentsId: OWN_ID, frameUrl: 'app://x@countersign/index.html', isTopFrame: true }],
    ['file://', { webContentsId: OWN_ID, frameUrl: 'file:///tmp/index.html', isTopFrame: true }],
    ['a subframe', { webContentsId: OWN_ID, frameUrl: OWN_PAGE, isTopFrame: false }],
    ['a frame that is gone', { webContentsId: OWN_ID, frameUrl: null, isTopFrame: false }],
    ['an unparsable URL', { webContentsId: OWN_ID, frameUrl: 'app://', isTopFrame: true }],
  ])('refuses %s', (_name, facts) => {
    expect(isOwnSender(facts, own)).toBe(false);
  });
});

describe('registerIpcHandlers', () => {
  function setup() {
    const used: string[] = [];
    const core = new Proxy({} as ApproverCore, {
      get(_t, property) {
        used.push(String(property));
        return () => [];
      },
    });
    const shell = {
      openWindow: () => undefined,
      getSettings: () => ({ startAtLogin: false, platform: 'linux', version: '0.1.0' }),
      setStartAtLogin: () => ({ startAtLogin: false, platform: 'linux', version: '0.1.0' }),
    };
    const ipcMain = new FakeIpcMain();
    const own = new Set([OWN_ID]);
    const ready: number[] = [];
    const unregister = registerIpcHandlers(
      ipcMain.asElectron(),
      createIpcHandlers(core, shell),
      { 'app:ready': (webContentsId) => ready.push(webContentsId) },
      (sender) => isOwnSender(sender, own),
    );
    return { ipcMain, used, ready, unregister };
  }

  it('registers every channel of the schema, each direction its way, and removes them all again', () => {
    const { ipcMain, unregister } = setup();
    expect([...ipcMain.handlers.keys()].sort()).toEqual([...invokeChannels].sort());
    expect(ipcMain.listenerCount('app:ready')).toBe(1);
    unregister();
    expect(ipcMain.handlers.size).toBe(0);
    expect(ipcMain.listenerCount('app:ready')).toBe(0);
  });

  it('hears app:ready from our own window only, and says which window it was', () => {
    const { ipcMain, ready } = setup();
    ipcMain.sendFromRenderer('app:ready', new FakeSender(OWN_ID, { url: OWN_PAGE, isTopFrame: true }));
    ipcMain.sendFromRenderer('app:ready', new FakeSender(555, { url: OWN_PAGE, isTopFrame: true }));
    ipcMain.sendFromRenderer('app:ready', new FakeSender(OWN_ID, { url: 'https://evil.example/', isTopFrame: true }));
    ipcMain.sendFromRenderer('app:ready', new FakeSender(OWN_ID, { url: OWN_PAGE, isTopFrame: false }));
    expect(ready).toEqual([OWN_ID]);
  });

  it('answers our own window', async () => {
    const { ipcMain, used } = setup();
    const answer = await ipcMain.invoke('approvals:list', new FakeSender(OWN_ID, { url: OWN_PAGE, isTopFrame: true }));
    expect(answer).toEqual({ ok: true, value: [] });
    expect(used).toEqual(['pending']);
  });

  it('refuses a foreign sender with an error as data and calls nothing', async () => {
    const { ipcMain, used } = setup();
    const senders = [
      new FakeSender(555, { url: OWN_PAGE, isTopFrame: true }),
      new FakeSender(OWN_ID, { url: 'https://evil.example/', isTopFrame: true }),
      new FakeSender(OWN_ID, { url: OWN_PAGE, isTopFrame: false }),
      new FakeSender(OWN_ID, null),
    ];
    for (const sender of senders) {
      expect(await ipcMain.invoke('approvals:list', sender)).toEqual(REFUSED_SENDER);
      expect(await ipcMain.invoke('keys:create', sender, 'acct', { name: 'k', mode: 'push' })).toEqual({
        ok: false,
        error: { code: 'INVALID_INPUT', message: 'refused: unknown sender' },
      });
    }
    expect(used).toEqual([]);
  });
});
