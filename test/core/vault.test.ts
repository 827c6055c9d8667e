import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { DeviceKeyStore } from '../../main/core/device-key.js';
import { keychainError, keytarVault } from '../../main/core/vault.js';
import { generateDeviceKeyPair } from '../../protocol/crypto.js';
import { type TestServer, startTestServer } from '../support/server.js';
import { describeWithKeychain } from './keychain-session.js';

const run = promisify(execFile);
const CHILD = join(import.meta.dirname, 'fixtures', 'keychain-child.ts');
const temps: string[] = [];

function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

afterEach(() => {
  for (const dir of temps.splice(0)) rmSync(dir, { recursive: true, force: true });
});

// biome-ignore lint/suspicious/noExplicitAny: the child's JSON report, read field by field in the assertions
type Report = Record<string, any>;

/** Runs the keychain child and returns its JSON report. */
async function child(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<Report> {
  const { stdout } = await run(command, args, { env, timeout: 60_000 });
  return JSON.parse(stdout.trim().split('\n').pop()!);
}

describe('keychain error mapping', () => {
  it('tells a locked keyring from a missing keychain, each with what to do', () => {
    const locked = keychainError(new Error('Cannot create an item in a locked collection'));
    expect(locked.code).toBe('KEYCHAIN_LOCKED');
    expect(locked.message).toMatch(/unlock/i);
    const missing = keychainError(new Error('Cannot autolaunch D-Bus without X11 $DISPLAY'));
    expect(missing.code).toBe('KEYCHAIN_UNAVAILABLE');
    expect(missing.message).toMatch(/gnome-keyring|Secret Service/);
    expect(keychainError(new Error('The name org.freedesktop.secrets was not provided')).code).toBe(
      'KEYCHAIN_UNAVAILABLE',
    );
  });
});

describeWithKeychain(`real keychain (keytar)`, () => {
  it('stores, reads and deletes a device key', async () => {
    const vault = keytarVault();
    const service = `Countersign-test-${randomUUID()}`;
    const keys = new DeviceKeyStore(vault, service);
    const { privateKey } = generateDeviceKeyPair();
    expect(await keys.save('account-1', privateKey)).toEqual({ ok: true, value: undefined });
    expect(await vault.getPassword(service, 'account-1')).toBe(privateKey);
    expect(await vault.findCredentials(service)).toEqual([{ account: 'account-1', password: privateKey }]);
    const loaded = await keys.load('account-1');
    expect(loaded.ok && loaded.value.asymmetricKeyType).toBe('ed25519');
    expect(await keys.delete('account-1')).toEqual({ ok: true, value: true });
    expect(await vault.getPassword(service, 'account-1')).toBeNull();
    // Removing twice is not an error, and a missing key says what to do.
    expect(await keys.delete('account-1')).toEqual({ ok: true, value: false });
    const missing = await keys.load('account-1');
    expect(!missing.ok && missing.error.code).toBe('NOT_FOUND');
    expect(!missing.ok && missing.error.message).toMatch(/pair/);
    // The lock probe left nothing behind.
    expect(await vault.findCredentials(service)).toEqual([]);
  });

  /** A real server with a user and a fresh pairing code for the child to try. */
  async function serverWithCode(): Promise<{ server: TestServer; code: string }> {
    const server = await startTestServer();
    await server.admin.createUser('ada');
    return { server, code: (await server.admin.pair('ada')).code };
  }

  /** After the child's refused attempt the code is still unused: a core with a working keychain pairs with it. */
  async function expectCodeStillUsable(server: TestServer, code: string): Promise<void> {
    const { startTestCore } = await import('../support/core.js');
    const working = await startTestCore();
    try {
      const paired = await working.core.pair({ server: server.url, code });
      expect(paired.ok && paired.value.userName).toBe('ada');
    } finally {
      await working.close();
    }
  }

  it('says KEYCHAIN_LOCKED when the login collection is locked, and stores nothing anywhere else', async () => {
    const { server, code } = await serverWithCode();
    // Its own D-Bus session and keyring files, so locking never disturbs tests running beside this one. DISPLAY
    // is unset so the keyring cannot pop up an unlock prompt that nobody would answer.
    const home = tempDir('cs-keyring-home-');
    const dataDir = tempDir('cs-locked-data-');
    const env: NodeJS.ProcessEnv = { ...process.env, HOME: home, XDG_DATA_HOME: join(home, 'data') };
    delete env.DISPLAY;
    delete env.DBUS_SESSION_BUS_ADDRESS;
    const script =
      'echo -n countersign-test | gnome-keyring-daemon --unlock --components=secrets >/dev/null; exec "$@"';
    const report = await child(
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
        CHILD,
        'locked',
        dataDir,
        'cs-locked',
        'http://127.0.0.1:9',
        'K7QF-3MZP-WX9D-HR2T',
      ],
      env,
    );
    expect(report.storedBeforeLock).toEqual({ ok: true, value: undefined });
    for (const result of [report.load, report.save, report.pair]) {
      expect(result.ok).toBe(false);
      expect(result.error.code).toBe('KEYCHAIN_LOCKED');
      expect(result.error.message).toMatch(/unlock/i);
    }
    expect(report.raw.name).toBe('VaultError');
    // Pairing stopped before anything was written: no account, nothing but the (empty) database in dataDir.
    expect(report.accounts).toBe(0);
    expect(report.files).toEqual(['approver.db']);
    // The key was refused before the server heard of the device: the one-time code still works.
    await expectCodeStillUsable(server, code);
    await server.close();
  });

  it('says KEYCHAIN_UNAVAILABLE without a Secret Service, and stores nothing anywhere else', async () => {
    const { server, code } = await serverWithCode();
    const dataDir = tempDir('cs-nokeyring-data-');
    const env = { ...process.env };
    delete env.DISPLAY;
    delete env.DBUS_SESSION_BUS_ADDRESS;
    const report = await child(
      process.execPath,
      ['--import', 'tsx', CHILD, 'unavailable', dataDir, 'cs-unavailable', server.url, code],
      env,
    );
    for (const result of [report.load, report.save, report.pair]) {
      expect(result.ok).toBe(false);
      expect(result.error.code).toBe('KEYCHAIN_UNAVAILABLE');
      expect(result.error.message).toMatch(/gnome-keyring or another Secret Service/);
    }
    expect(report.accounts).toBe(0);
    expect(report.files).toEqual(['approver.db']);
    await expectCodeStillUsable(server, code);
    await server.close();
  });
});
