// Smoke test of the real Electron app (Playwright's _electron): it starts to the tray with the hidden approval window
// on app://countersign, every window has the secure settings, the page sees window.countersign and nothing of Node,
// and IPC answers. Needs the Electron binary, which cannot be downloaded on the build machines: there it is skipped
// and says why. Needs the built app (npm run build) and a keychain (scripts/with-desktop-session.sh).
import { mkdtempSync, rmSync } from 'node:fs';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { _electron, type ElectronApplication, expect, test } from '@playwright/test';
import type { CountersignBridge } from '../../ipc/contract.js';
import { findElectronBinary } from '../../scripts/electron-binary.js';

const root = fileURLToPath(new URL('../..', import.meta.url));
const binary = findElectronBinary(root);

test.skip(
  !binary.found,
  `Electron binary not installed on this machine (download blocked): ${binary.found ? '' : binary.reason}`,
);
test.skip(
  !process.env.DBUS_SESSION_BUS_ADDRESS && process.platform === 'linux',
  'no D-Bus session for the keychain: run inside scripts/with-desktop-session.sh',
);

let app: ElectronApplication | null = null;
let userData = '';

test.beforeEach(() => {
  for (const built of ['dist/main/index.js', 'dist/preload/index.cjs', 'dist/renderer/index.html'])
    expect(existsSync(join(root, built)), `${built} is missing: run npm run build first`).toBe(true);
  userData = mkdtempSync(join(tmpdir(), 'countersign-electron-smoke-'));
});

test.afterEach(async () => {
  await app?.close();
  app = null;
  rmSync(userData, { recursive: true, force: true });
});

// The webPreferences themselves are checked by the unit tests (Electron has no getter for them); here their effect.
test('starts to the tray with a hidden, secure approval window that reaches main only through the bridge', async () => {
  if (!binary.found) return;
  app = await _electron.launch({
    executablePath: binary.path,
    args: [root],
    cwd: root,
    env: { ...process.env, COUNTERSIGN_USER_DATA: userData } as Record<string, string>,
  });

  const page = await app.firstWindow();
  await page.waitForLoadState('domcontentloaded');

  const windows = await app.evaluate(({ BrowserWindow }) =>
    BrowserWindow.getAllWindows().map((window) => ({ url: window.webContents.getURL(), visible: window.isVisible() })),
  );
  expect(windows).toEqual([{ url: 'app://countersign/index.html#approval', visible: false }]);

  const seen = await page.evaluate(async () => {
    const page = window as unknown as Record<string, unknown>;
    const bridge = (page as { countersign: CountersignBridge }).countersign;
    const settings = await bridge.invoke('app:settings');
    const refused = await (bridge.invoke as (channel: string) => Promise<unknown>)('shell:openExternal');
    let fetchBlocked = false;
    try {
      await fetch('https://example.com/');
    } catch {
      fetchBlocked = true;
    }
    return {
      bridgeKeys: Object.keys(bridge).sort(),
      hasRequire: 'require' in page,
      hasProcess: 'process' in page,
      hasIpcRenderer: 'ipcRenderer' in page,
      settings,
      refused,
      popup: window.open('https://example.com/') === null,
      fetchBlocked,
    };
  });
  expect(seen).toMatchObject({
    bridgeKeys: ['invoke', 'notify', 'on'],
    hasRequire: false,
    hasProcess: false,
    hasIpcRenderer: false,
    settings: { ok: true, value: { platform: process.platform } },
    refused: { ok: false, error: { code: 'INVALID_INPUT' } },
    popup: true,
    fetchBlocked: true,
  });

  // Closing the approval window only hides it: the app keeps running in the tray.
  await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows()[0]?.close());
  expect(await app.evaluate(({ BrowserWindow }) => BrowserWindow.getAllWindows().length)).toBe(1);
});
