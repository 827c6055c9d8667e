import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { fromBase64Url } from '../../protocol/crypto.js';
import { type TestCore, startTestCore, waitConnected, waitFor } from '../support/core.js';
import { TestDevice } from '../support/device.js';
import { type TestServer, startTestServer } from '../support/server.js';
import { describeWithKeychain } from './keychain-session.js';

let server: TestServer;
const cores: TestCore[] = [];

beforeEach(async () => {
  server = await startTestServer();
});

afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  await server.close();
});

async function core(options: Parameters<typeof startTestCore>[0] = {}): Promise<TestCore> {
  const started = await startTestCore({ issuer: server.admin, ...options });
  cores.push(started);
  return started;
}

/** Every file of a directory tree (the SQLite database, its WAL and shared-memory files included). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describeWithKeychain(`pairing and accounts`, () => {
  it('pairs from a link: key pair in the keychain, account row, connected stream with the client IP', async () => {
    await server.admin.createUser('ada');
    const c = await core({ user: 'ada' });
    const account = c.account!;
    expect(account).toMatchObject({
      server: server.url,
      userName: 'ada',
      deviceName: 'test desktop',
      tlsFingerprint: null,
      connection: { state: 'connected' },
      clientIp: '127.0.0.1',
    });
    // The private key sits in the keychain under the local account id, and matches the public key the account
    // row keeps (the server checks signatures with it: the stream connected).
    const stored = await c.vault.getPassword(c.service, account.id);
    expect(stored).toMatch(/^[A-Za-z0-9_-]{43}$/);
    const row = new Database(join(c.dataDir, 'approver.db'), { readonly: true })
      .prepare('SELECT public_key FROM account WHERE id = ?')
      .get(account.id) as { public_key: string };
    const { createPrivateKey, createPublicKey } = await import('node:crypto');
    const pkcs8 = Buffer.concat([Buffer.from('302e020100300506032b657004220420', 'hex'), fromBase64Url(stored!)]);
    const derived = createPublicKey(createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }))
      .export({ format: 'der', type: 'spki' })
      .subarray(12)
      .toString('base64url');
    expect(derived).toBe(row.public_key);
  });

  it('leaves no private key material anywhere in the data directory (database, WAL, anything else)', async () => {
    await server.admin.createUser('grace');
    const c = await core({ user: 'grace' });
    const secret = (await c.vault.getPassword(c.service, c.account!.id))!;
    const raw = fromBase64Url(secret);
    const needles = [
      Buffer.from(secret),
      raw,
      Buffer.from(raw.toString('base64')),
      Buffer.from(raw.toString('base64').replace(/=+$/, '')),
      Buffer.from(raw.toString('hex')),
      Buffer.from(raw.toString('hex').toUpperCase()),
    ];
    const files = filesUnder(c.dataDir);
    expect(files.map((f) => f.slice(c.dataDir.length + 1)).sort()).toEqual(
      expect.arrayContaining(['approver.db', 'approver.db-wal']),
    );
    // The WAL holds the freshly written pages: scan it as well as the main file while the core still runs.
    for (const file of files) {
      const bytes = readFileSync(file);
      expect(bytes.length).toBeGreaterThan(0);
      for (const needle of needles) expect(bytes.includes(needle), `${file} contains the private key`).toBe(false);
    }
  });

  it('pairs several accounts at once and pairs from server + code as well as from a link', async () => {
    await server.admin.createUser('ada');
    await server.admin.createUser('linus');
    const other = await startTestServer();
    try {
      await other.admin.createUser('ken');
      const c = await core();
      const ada = await c.core.pair({ link: (await server.admin.pair('ada')).pairing_url });
      const { code } = await server.admin.pair('linus');
      const linus = await c.core.pair({ server: `${server.url}/`, code: code.toLowerCase(), deviceName: 'laptop' });
      const ken = await c.core.pair({ link: (await other.admin.pair('ken')).pairing_url });
      expect(ada.ok && linus.ok && ken.ok).toBe(true);
      if (!ada.ok || !linus.ok || !ken.ok) return;
      expect(linus.value.deviceName).toBe('laptop');
      expect(linus.value.server).toBe(server.url);
      for (const a of [ada.value, linus.value, ken.value]) await waitConnected(c.core, a.id);
      expect(c.core.listAccounts().map((a) => a.userName)).toEqual(['ada', 'linus', 'ken']);
      // Each account keeps two entries: its device key and its TOTP secret (the offline code).
      expect((await c.vault.findCredentials(c.service)).map((e) => e.account).sort()).toEqual(
        [ada.value.id, linus.value.id, ken.value.id].flatMap((id) => [id, `${id}:totp`]).sort(),
      );
      // The list survives a restart of the core (same data directory, same keychain entries).
      await c.core.stop();
      await c.core.start();
      for (const a of [ada.value, linus.value, ken.value]) await waitConnected(c.core, a.id);
    } finally {
      for (const c of cores.splice(0)) await c.close();
      await other.close();
    }
  });

  it('refuses bad links, used codes and plain http to another host, leaving nothing behind', async () => {
    await server.admin.createUser('ada');
    const c = await core();
    const { pairing_url, code } = await server.admin.pair('ada');
    const expectError = async (input: Parameters<typeof c.core.pair>[0], code: string) => {
      const result = await c.core.pair(input);
      expect(result.ok ? 'ok' : result.error.code, JSON.stringify(input)).toBe(code);
      return result;
    };
    await expectError({ link: 'https://example.com/pair?code=x' }, 'INVALID_INPUT');
    await expectError({ link: 'countersign://pair?server=https%3A%2F%2Fh.example&code=nope' }, 'INVALID_INPUT');
    await expectError({ server: server.url }, 'INVALID_INPUT');
    await expectError({ server: 'http://countersign.example.com', code }, 'INSECURE_TRANSPORT');
    await expectError(
      { link: pairing_url.replace(encodeURIComponent(server.url), 'http%3A%2F%2F10.1.2.3') },
      'INSECURE_TRANSPORT',
    );
    expect(c.core.listAccounts()).toEqual([]);
    expect(await c.vault.findCredentials(c.service)).toEqual([]);

    // The code was never sent above; now it is used once, and a second use is refused by the server.
    expect((await c.core.pair({ link: pairing_url })).ok).toBe(true);
    const again = await expectError({ link: pairing_url }, 'PAIRING_FAILED');
    expect(!again.ok && again.error.message).toMatch(/pairing code is unknown, used or expired/);
    const unreachable = await expectError({ server: 'http://127.0.0.1:9', code }, 'NETWORK');
    expect(!unreachable.ok && unreachable.error.message).toMatch(/Cannot reach http:\/\/127\.0\.0\.1:9/);
    // Only the one successful pairing left keychain entries (device key and TOTP secret) and a row.
    expect(c.core.listAccounts()).toHaveLength(1);
    expect(await c.vault.findCredentials(c.service)).toHaveLength(2);
  });

  it('removes an account: the server revokes the device, the keychain entry and the row are gone', async () => {
    await server.admin.createUser('ada');
    const c = await core({ user: 'ada' });
    // A second device of the same user watches the device list.
    const watcher = await TestDevice.pair(server.url, (await server.admin.pair('ada')).code, 'watcher');
    const devices = async () =>
      (
        (await watcher.request('GET', `/v1/user/${watcher.userId}/approver-device`)).json as {
          Response: { ApproverDevice: { id: number } }[];
        }
      ).Response.map((item) => item.ApproverDevice.id);
    expect(await devices()).toContain(c.account!.deviceId);

    const changes: number[] = [];
    c.core.on('accounts:changed', (accounts) => changes.push(accounts.length));
    expect(await c.core.removeAccount(c.account!.id)).toEqual({ ok: true, value: undefined });
    expect(await devices()).not.toContain(c.account!.deviceId);
    expect(await c.vault.getPassword(c.service, c.account!.id)).toBeNull();
    expect(c.core.listAccounts()).toEqual([]);
    expect(changes.at(-1)).toBe(0);
    const gone = await c.core.removeAccount(c.account!.id);
    expect(!gone.ok && gone.error.code).toBe('NOT_FOUND');
  });

  it('stops for good when another device removes this one: no retries, calls answer UNAUTHORIZED', async () => {
    await server.admin.createUser('ada');
    const c = await core({ user: 'ada' });
    const account = c.account!;
    const other = await TestDevice.pair(server.url, (await server.admin.pair('ada')).code, 'other');
    const removed = await other.request('DELETE', `/v1/user/${other.userId}/approver-device/${account.deviceId}`);
    expect(removed.status).toBe(200);
    const state = await waitFor('the stream to stop', () => {
      const connection = c.core.listAccounts()[0]?.connection;
      return connection?.state === 'offline' && connection.retryAt === null ? connection : null;
    });
    expect(state.reason).toMatch(/revoked this device.*pair again/);
    const keys = await c.core.listKeys(account.id);
    expect(!keys.ok && keys.error).toMatchObject({ code: 'UNAUTHORIZED', status: 401 });
    expect(!keys.ok && keys.error.message).toMatch(/no longer accepts this device/);
    // Removing it locally still works and clears the keychain entry.
    expect((await c.core.removeAccount(account.id)).ok).toBe(true);
    expect(await c.vault.findCredentials(c.service)).toEqual([]);
  });

  it('invites another desktop of the same user with a pairing code from an existing one', async () => {
    await server.admin.createUser('ada');
    const first = await core({ user: 'ada' });
    const invite = await first.core.issuePairingCode(first.account!.id);
    expect(invite.ok).toBe(true);
    if (!invite.ok) return;
    const second = await core();
    const paired = await second.core.pair({ link: invite.value.pairing_url });
    expect(paired.ok && paired.value.userName).toBe('ada');
    expect(paired.ok && paired.value.deviceId).not.toBe(first.account!.deviceId);
  });
});
