// Secrets at rest: after a full run — pairing by link and by invitation, keys made by the admin and by the desktop,
// sessions opened by approval, at once and ended, blocks — no API key, session token, pairing code, device private
// key or TOTP secret is anywhere in the server's database files or the desktop's data directory, in any encoding.
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { closeSession, type OpenSessionResult, openSession } from '../../client/index.js';
import { base32Decode } from '../../protocol/totp.js';
import { hashSecret } from '../../server/secrets.js';
import { describeWithKeychain } from '../core/keychain-session.js';
import { type TestCore, startTestCore, waitFor } from '../support/core.js';
import { TestDevice } from '../support/device.js';
import { TEST_INTROSPECTION_SECRET } from '../support/server.js';
import { filesUnder, query, type Secret, scanForSecrets } from './support/db.js';
import { type HardeningServer, startHardeningServer } from './support/server.js';
import { report } from './support/world.js';

describeWithKeychain(`secrets at rest`, () => {
  let server: HardeningServer;
  let desktop: TestCore;
  const secrets: Secret[] = [];
  /** Stored by design, so the scan must find them: proof that it reads the files it claims to read. */
  const serverControls: Secret[] = [];

  beforeAll(async () => {
    server = await startHardeningServer();
    await server.admin.createUser('ada');
    secrets.push({ label: 'introspection secret', value: TEST_INTROSPECTION_SECRET });

    // Pairing by link (admin code) and by invitation (a code the desktop issues), plus a code never used.
    const issued = await server.admin.pair('ada', server.url);
    secrets.push({ label: 'pairing code (used by the desktop)', value: issued.code });
    desktop = await startTestCore({ user: 'ada', issuer: { pair: async () => issued } });
    const accountId = desktop.account!.id;
    const invited = await desktop.core.issuePairingCode(accountId);
    if (!invited.ok) throw new Error(invited.error.message);
    secrets.push({ label: 'pairing code (invitation, used)', value: invited.value.code });
    const laptop = await TestDevice.pair(server.url, invited.value.code, 'laptop');
    const unused = await server.admin.pair('ada', server.url);
    secrets.push({ label: 'pairing code (never used)', value: unused.code });

    // The desktop's own secrets, read back from the keychain: they must exist only there.
    const privateKey = await desktop.vault.getPassword(desktop.service, accountId);
    const totpSecret = await desktop.vault.getPassword(desktop.service, `${accountId}:totp`);
    expect(privateKey).toBeTruthy();
    secrets.push({ label: 'device private key', value: privateKey!, raw: Buffer.from(privateKey!, 'base64url') });
    if (totpSecret) secrets.push({ label: 'TOTP secret', value: totpSecret, raw: base32Decode(totpSecret) });

    // Keys: one from the admin, two made on the desktop (token_value shown once).
    const adminKey = await server.admin.createKey({ user: 'ada', name: 'admin push', mode: 'push' });
    secrets.push({ label: 'API key (admin)', value: adminKey.api_key });
    serverControls.push({ label: 'hash of the admin API key', value: hashSecret(adminKey.api_key) });
    const made = await desktop.core.createKey(accountId, { name: 'desktop ip-only', mode: 'ip-only', ips: ['*'] });
    const madePush = await desktop.core.createKey(accountId, { name: 'desktop push', mode: 'push', code_length: 0 });
    if (!made.ok || !madePush.ok) throw new Error('creating keys on the desktop failed');
    for (const key of [made.value, madePush.value]) {
      expect(key.token_value).toBeTruthy();
      secrets.push({ label: `API key (desktop, ${key.name})`, value: key.token_value! });
    }

    // Sessions: approved on the desktop, blocked on the laptop, opened at once, and one ended again.
    const approve = async (apiKey: string): Promise<OpenSessionResult> => {
      const session = openSession({ server: server.url, apiKey, description: 'secrets run' });
      const pending = await waitFor('the request on the desktop', () => desktop.core.pending()[0]);
      const decided = await desktop.core.decide(accountId, pending.request.uuid, { decision: 'APPROVE' });
      expect(decided.ok).toBe(true);
      return session;
    };
    const tokens: string[] = [];
    for (const apiKey of [adminKey.api_key, madePush.value.token_value!]) {
      const result = await approve(apiKey);
      if (result.status !== 'ACCEPTED') throw new Error(`expected ACCEPTED, got ${result.status}`);
      tokens.push(result.token);
    }
    const blocked = openSession({ server: server.url, apiKey: adminKey.api_key });
    const stream = await laptop.connect();
    const request = await stream.next('approval.requested');
    expect((await laptop.decide(request.request.uuid, { decision: 'BLOCK' })).status).toBe(200);
    expect((await blocked).status).toBe('REJECTED');
    await stream.close();
    const atOnce = await openSession({ server: server.url, apiKey: made.value.token_value! });
    if (atOnce.status !== 'ACCEPTED') throw new Error('the ip-only key did not open at once');
    tokens.push(atOnce.token);
    await closeSession({ server: server.url, sessionId: atOnce.sessionId, token: atOnce.token });
    for (const [i, token] of tokens.entries()) secrets.push({ label: `session token ${i + 1}`, value: token });
  }, 120_000);

  afterAll(async () => {
    await desktop?.close();
    await server?.close();
  });

  function serverFiles(): string[] {
    return [server.db, `${server.db}-wal`, `${server.db}-shm`].filter((f) => filesUnder(f).length > 0);
  }

  it('the server database (main file and write-ahead log) holds no secret in clear, while running and after', async () => {
    const running = scanForSecrets(serverFiles(), secrets);
    // The scan sees what is stored by design: the key's hash.
    expect(scanForSecrets(serverFiles(), serverControls).length).toBeGreaterThan(0);
    await server.restart();
    const afterRestart = scanForSecrets(serverFiles(), secrets);
    expect([...running, ...afterRestart]).toEqual([]);
    report('secrets-at-rest (server)', { secrets: secrets.length, files: serverFiles().length, found: 0 });
  });

  it("the desktop's data directory holds no secret in clear, while running and after it stops", async () => {
    const files = filesUnder(desktop.dataDir);
    const publicKey = (
      await query<{ public_key: string }>(join(desktop.dataDir, 'approver.db'), 'SELECT public_key FROM account')
    )[0]!;
    expect(scanForSecrets(files, [{ label: 'public key', value: publicKey.public_key }]).length).toBeGreaterThan(0);
    const running = scanForSecrets(files, secrets);
    await desktop.core.stop();
    const stopped = scanForSecrets(filesUnder(desktop.dataDir), secrets);
    expect([...running, ...stopped]).toEqual([]);
    report('secrets-at-rest (desktop)', { secrets: secrets.length, files: files.map((f) => f.split('/').pop()) });
  });
});
