// The approver's offline code: the TOTP secret from pairing lives only in the real keychain, the code is computed
// locally (it works while the server is gone), a real server accepts it, and removing the account removes it.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openSession } from '../../client/open-session.js';
import { base32Decode, totpCode } from '../../protocol/totp.js';
import { type TestCore, startTestCore, waitFor } from '../support/core.js';
import { startTestServer, type TestServer, tempDir } from '../support/server.js';
import { describeWithKeychain } from './keychain-session.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
let server: TestServer;
let c: TestCore;

beforeEach(async () => {
  dir = await tempDir();
  server = await startTestServer({ db: join(dir.path, 'countersign.db') });
  await server.admin.createUser('ada');
});
afterEach(async () => {
  await c?.close();
  await server.close();
  await dir.remove();
});

function filesUnder(path: string): string[] {
  return readdirSync(path).flatMap((name) => {
    const full = join(path, name);
    return statSync(full).isDirectory() ? filesUnder(full) : [full];
  });
}

/** Waits until the current 30 s step has at least 5 s left, so a code read now is still current when it is used. */
async function wellInsideStep(): Promise<void> {
  await waitFor('a fresh TOTP step', () => Date.now() % 30_000 < 25_000, 10_000);
}

describeWithKeychain(`offline TOTP code`, () => {
  it('keeps the secret in the keychain only and computes the current code from it', async () => {
    c = await startTestCore({ issuer: server.admin, user: 'ada' });
    const accountId = c.account!.id;
    const secret = await c.vault.getPassword(c.service, `${accountId}:totp`);
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);

    await wellInsideStep();
    const current = await c.core.currentCode(accountId);
    if (!current.ok) throw new Error(current.error.message);
    expect(current.value.code).toBe(totpCode(base32Decode(secret!), Date.now()));
    expect(current.value.secondsLeft).toBeGreaterThanOrEqual(1);
    expect(current.value.secondsLeft).toBeLessThanOrEqual(30);

    // Not in the data directory in any form.
    const raw = base32Decode(secret!);
    for (const file of filesUnder(c.dataDir)) {
      const bytes = readFileSync(file);
      for (const needle of [
        Buffer.from(secret!),
        raw,
        Buffer.from(raw.toString('hex')),
        Buffer.from(raw.toString('base64')),
      ]) {
        expect(bytes.includes(needle), `${file} holds the TOTP secret`).toBe(false);
      }
    }
  });

  it('gives a code while the server is down, and that code opens a session once the server is back', async () => {
    c = await startTestCore({ issuer: server.admin, user: 'ada' });
    const accountId = c.account!.id;
    const { api_key } = await server.admin.createKey({ user: 'ada', name: 'cron', mode: 'push', codeFallback: true });
    await server.close();
    await waitFor('the core to notice the server is gone', () =>
      c.core.listAccounts().find((a) => a.id === accountId && a.connection.state !== 'connected'),
    );

    await wellInsideStep();
    const offline = await c.core.currentCode(accountId);
    if (!offline.ok) throw new Error(offline.error.message);

    // The same database (and its TOTP key file) on a new port: the core still knows only the old address.
    server = await startTestServer({ db: join(dir.path, 'countersign.db') });
    const result = await openSession({ server: server.url, apiKey: api_key, totp: offline.value.code });
    expect(result).toMatchObject({ status: 'ACCEPTED', uuid: null });
    expect(c.core.listAccounts().find((a) => a.id === accountId)?.connection.state).not.toBe('connected');
  });

  it('removing the account deletes the TOTP secret from the keychain too', async () => {
    c = await startTestCore({ issuer: server.admin, user: 'ada' });
    const accountId = c.account!.id;
    expect(await c.vault.getPassword(c.service, `${accountId}:totp`)).not.toBe(null);
    const removed = await c.core.removeAccount(accountId);
    expect(removed.ok).toBe(true);
    expect(await c.vault.getPassword(c.service, `${accountId}:totp`)).toBe(null);
    expect(await c.vault.getPassword(c.service, accountId)).toBe(null);
    const gone = await c.core.currentCode(accountId);
    expect(gone.ok ? null : gone.error.code).toBe('NOT_FOUND');
  });

  it('says so when the keychain entry is missing', async () => {
    c = await startTestCore({ issuer: server.admin, user: 'ada' });
    const accountId = c.account!.id;
    await c.vault.deletePassword(c.service, `${accountId}:totp`);
    const missing = await c.core.currentCode(accountId);
    expect(missing.ok ? null : missing.error).toMatchObject({
      code: 'NOT_FOUND',
      message: expect.stringContaining('pair again'),
    });
  });
});
