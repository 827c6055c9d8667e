// Trust on first use against a REAL countersign server serving HTTPS itself (--tls-cert/--tls-key): the desktop
// pins the certificate it saw at pairing, and when the server comes back with another certificate — even one the
// same CA vouches for — the account stops with a clear message instead of going on, over HTTPS and WSS alike.
import { execFileSync } from 'node:child_process';
import { randomUUID, X509Certificate } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import type { ApproverCore } from '../../main/core/api.js';
import { createApproverCore, keytarVault } from '../../main/core/index.js';
import { AdminCommands } from '../../server/admin/commands.js';
import { startServer } from '../../server/index.js';
import { waitConnected, waitFor } from '../support/core.js';
import { describeWithKeychain } from './keychain-session.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: 'ignore' });

/** A test CA and two server certificates for 127.0.0.1 that it signed. */
async function certificates(dir: string) {
  openssl(
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1'].concat([
      '-subj',
      '/CN=countersign test CA',
      '-keyout',
      join(dir, 'ca.key'),
      '-out',
      join(dir, 'ca.pem'),
    ]),
  );
  await writeFile(join(dir, 'ext.cnf'), 'subjectAltName=IP:127.0.0.1\n');
  const leaf = (name: string) => {
    const [key, csr, cert] = ['key', 'csr', 'pem'].map((ext) => join(dir, `${name}.${ext}`)) as [
      string,
      string,
      string,
    ];
    openssl(
      ['req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-subj', '/CN=127.0.0.1'].concat([
        '-keyout',
        key,
        '-out',
        csr,
      ]),
    );
    openssl(
      ['x509', '-req', '-in', csr, '-CA', join(dir, 'ca.pem'), '-CAkey', join(dir, 'ca.key')].concat([
        '-CAcreateserial',
        '-days',
        '1',
        '-extfile',
        join(dir, 'ext.cnf'),
        '-out',
        cert,
      ]),
    );
    return { certFile: cert, keyFile: key };
  };
  return { ca: await readFile(join(dir, 'ca.pem'), 'utf8'), first: leaf('first'), second: leaf('second') };
}

async function core(ca: string): Promise<ApproverCore> {
  const dataDir = await mkdtemp(join(tmpdir(), 'countersign-pin-'));
  const service = `Countersign-pin-${randomUUID()}`;
  const vault = keytarVault();
  const approver = createApproverCore({
    dataDir,
    vault,
    keychainService: service,
    tlsTrust: { ca },
    deviceName: 'pinning desktop',
    platform: 'linux',
    backoff: { baseMs: 100, capMs: 500 },
  });
  await approver.start();
  cleanups.push(async () => {
    await approver.stop();
    for (const entry of await vault.findCredentials(service)) await vault.deletePassword(service, entry.account);
    await rm(dataDir, { recursive: true, force: true });
  });
  return approver;
}

describeWithKeychain('TLS certificate pinning (trust on first use)', () => {
  it('stops the account, over HTTPS and WSS, when the server comes back with another certificate', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'countersign-pin-certs-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const certs = await certificates(dir);
    const db = join(dir, 'countersign.db');
    const serve = (tls: { certFile: string; keyFile: string }, port = 0) =>
      startServer({ db, port, host: '127.0.0.1', tls, config: { pingIntervalMs: 500 } });
    let server = await serve(certs.first);
    cleanups.push(() => server.close());
    const admin = await AdminCommands.open(db);
    cleanups.push(() => admin.close());
    await admin.createUser('alice');

    const approver = await core(certs.ca);
    const paired = await approver.pair({ link: (await admin.pair('alice', server.url)).pairing_url });
    expect(paired.ok).toBe(true);
    const account = paired.ok ? paired.value : null;
    const firstFingerprint = new X509Certificate(await readFile(certs.first.certFile)).fingerprint256;
    expect(account?.tlsFingerprint).toBe(firstFingerprint);
    await waitConnected(approver, account!.id);
    expect(await approver.listKeys(account!.id)).toEqual({ ok: true, value: [] });

    // Same address, same database, same CA — another certificate.
    const { port } = server;
    await server.close();
    server = await serve(certs.second, port);
    const secondFingerprint = new X509Certificate(await readFile(certs.second.certFile)).fingerprint256;

    const stopped = await waitFor('the account to stop', () => {
      const connection = approver.listAccounts()[0]?.connection;
      return connection?.state === 'offline' && connection.retryAt === null ? connection : undefined;
    });
    expect(stopped.reason).toContain('presents another TLS certificate than when this desktop was paired');
    expect(stopped.reason).toContain(firstFingerprint);
    expect(stopped.reason).toContain(secondFingerprint);
    expect(stopped.reason).toContain('remove the account and pair again');

    const refused = await approver.listKeys(account!.id);
    expect(refused).toMatchObject({ ok: false, error: { code: 'TLS_CERTIFICATE_CHANGED' } });
    // It stays stopped: no silent retries against the unknown certificate.
    await new Promise((resolve) => setTimeout(resolve, 800));
    expect(approver.listAccounts()[0]?.connection).toEqual(stopped);

    // The re-pair path: the account can be removed (the server is not told: it is not trusted) and paired again,
    // which pins the new certificate.
    expect(await approver.removeAccount(account!.id)).toEqual({ ok: true, value: undefined });
    const again = await approver.pair({ link: (await admin.pair('alice', server.url)).pairing_url });
    expect(again.ok && again.value.tlsFingerprint).toBe(secondFingerprint);
    await waitConnected(approver, again.ok ? again.value.id : '');
  });
});
