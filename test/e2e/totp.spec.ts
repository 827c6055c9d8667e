// The offline code: the Accounts view shows the account's current TOTP code with a countdown and a copy button,
// keeps showing it while the server is gone, and that code — typed into the requester CLI, a real process — opens
// a session on the server while the desktop is still disconnected from it.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { collectOutput } from '../support/child-output.js';
import { startServerProcess } from '../support/server.js';
import { expect, test } from './support/fixtures.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SESSION_BIN = join(ROOT, 'bin', 'countersign-session.mjs');

function runSession(server: string, apiKey: string, code: string) {
  const child = spawn(process.execPath, [SESSION_BIN, '--server', server, '--totp', code], {
    cwd: ROOT,
    env: { ...process.env, COUNTERSIGN_API_KEY: apiKey },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(child);
  return new Promise<{ code: number; stdout: string; stderr: string }>((done) =>
    child.once('exit', (exit) => done({ code: exit ?? -1, ...output })),
  );
}

test.describe('offline code while disconnected', () => {
  // The server's database (and its TOTP key file beside it) must outlive the first server: a second one takes over.
  const dataDir = mkdtempSync(join(tmpdir(), 'countersign-e2e-totp-'));
  test.use({ serverOptions: { db: join(dataDir, 'countersign.db') } });
  test.afterAll(() => rmSync(dataDir, { recursive: true, force: true }));

  test('the Accounts view shows the offline code, and it opens a session while the desktop is disconnected', async ({
    world,
    approver,
  }) => {
    const key = await world.createKey({ name: 'nightly export', mode: 'push', codeFallback: true });
    await approver.page.context().grantPermissions(['clipboard-read', 'clipboard-write']);
    await approver.open('accounts');
    const item = approver.page.getByRole('listitem').filter({ hasText: world.account.userName });
    await expect(item.getByText('Connected')).toBeVisible();
    await expect(item.locator('.offline-code__value')).toHaveText(/^[0-9]{6}$/);
    await expect(item.getByText(/Works without a connection to the server/)).toBeVisible();

    await world.stopServer();
    // The connection's own badge: the account's "Offline code" row would match /^Offline / from the start.
    await expect(item.locator('.connection .badge')).toHaveText('Offline', { timeout: 30_000 });

    // Read the code well inside its 30 s step, as a person would wait for a fresh one when few seconds are left.
    await expect(async () => {
      const left = Number(await item.locator('.offline-code__seconds').textContent());
      expect(left).toBeGreaterThanOrEqual(8);
    }).toPass({ timeout: 30_000 });
    const code = (await item.locator('.offline-code__value').textContent()) ?? '';
    expect(code).toMatch(/^[0-9]{6}$/);
    await item.getByRole('button', { name: /Copy the offline code/ }).click();
    await expect(item.getByText('Copied')).toBeVisible();
    expect(await approver.page.evaluate(() => navigator.clipboard.readText())).toBe(code);

    // A new server on the same database, at an address the desktop does not know: the desktop stays disconnected.
    const server = await startServerProcess({ db: world.server.db });
    try {
      const session = await runSession(server.url, key.apiKey, code);
      expect(session.code, session.stderr).toBe(0);
      expect(session.stdout).toMatch(/^cst_\S+\n$/);
      expect(session.stderr).toContain('opened with the code');
      expect(world.core.listAccounts()[0]?.connection.state).not.toBe('connected');
      await expect(item.getByText('Connected')).toHaveCount(0);
    } finally {
      await server.stop();
    }
  });
});

test('the server history names a session opened by code and a wrong code', async ({ world, approver }) => {
  const key = await world.createKey({ name: 'code-key', mode: 'push', codeFallback: true });
  await expect(async () => {
    const current = await world.core.currentCode(world.account.id);
    expect(current.ok && current.value.secondsLeft).toBeGreaterThanOrEqual(5);
  }).toPass({ timeout: 30_000 });
  const current = await world.core.currentCode(world.account.id);
  if (!current.ok) throw new Error(current.error.message);
  const opened = await world.requestSession(key.apiKey, { totp: current.value.code, description: 'by code' });
  expect(opened).toMatchObject({ status: 'ACCEPTED', uuid: null });
  const wrong = String((Number(current.value.code) + 500_000) % 1_000_000).padStart(6, '0');
  await expect(world.requestSession(key.apiKey, { totp: wrong, description: 'guess' })).rejects.toThrow(
    /credentials are incorrect/,
  );

  await approver.open('history');
  const page = approver.page;
  await page.getByRole('radio', { name: 'Server' }).check();
  const table = page.getByRole('table');
  await expect(table.getByRole('row', { name: /by code/ })).toContainText(
    'Opened with the offline code of this desktop',
  );
  await expect(table.getByRole('row', { name: /guess/ })).toContainText('Refused: wrong or used offline code');
});

test('the key manager turns the offline code on for a key, and the server then takes codes for it', async ({
  world,
  approver,
}) => {
  const key = await world.createKey({ name: 'manual-key', mode: 'push' });
  await approver.open('keys');
  const box = approver.page.getByRole('checkbox', { name: 'Accept the offline code for manual-key' });
  await expect(box).not.toBeChecked();
  await box.check();
  await expect(box).toBeChecked();
  await expect
    .poll(async () => {
      const keys = await world.core.listKeys(world.account.id);
      return keys.ok && keys.value.find((k) => k.id === key.id)?.allow_code_fallback;
    })
    .toBe(true);
  await expect(async () => {
    const current = await world.core.currentCode(world.account.id);
    expect(current.ok && current.value.secondsLeft).toBeGreaterThanOrEqual(5);
  }).toPass({ timeout: 30_000 });
  const current = await world.core.currentCode(world.account.id);
  if (!current.ok) throw new Error(current.error.message);
  await expect(world.requestSession(key.apiKey, { totp: current.value.code })).resolves.toMatchObject({
    status: 'ACCEPTED',
  });
});
