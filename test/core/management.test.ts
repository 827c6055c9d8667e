import { afterEach, beforeEach, expect, it } from 'vitest';
import { CountersignError, openSession } from '../../client/index.js';
import { type TestCore, startTestCore } from '../support/core.js';
import { type TestServer, startTestServer } from '../support/server.js';
import { describeWithKeychain, hasKeychainSession } from './keychain-session.js';

let server: TestServer;
let c: TestCore;
let accountId: string;

beforeEach(async () => {
  server = await startTestServer();
  await server.admin.createUser('ada');
  if (!hasKeychainSession) return;
  c = await startTestCore({ issuer: server.admin, user: 'ada' });
  accountId = c.account!.id;
});

afterEach(async () => {
  await c?.close();
  await server.close();
});

/** What the server does with a session from 127.0.0.1 for this key right now. */
async function sessionFromLoopback(apiKey: string): Promise<string> {
  try {
    const result = await openSession({ server: server.url, apiKey, timeoutSeconds: 1 });
    return result.status === 'ACCEPTED' && result.uuid === null ? 'opened at once' : result.status;
  } catch (error) {
    return error instanceof CountersignError && error.status === 401 ? 'refused' : String(error);
  }
}

function value<T>(result: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

describeWithKeychain(`key and IP management through the core`, () => {
  it('creates a key (value shown once), lists and changes it, and the server acts on each change', async () => {
    const created = value(
      await c.core.createKey(accountId, { name: 'backup job', mode: 'ip-only', ips: ['127.0.0.1'] }),
    );
    expect(created).toMatchObject({
      name: 'backup job',
      mode: 'ip-only',
      status: 'PENDING_FIRST_USE',
      permitted_ip_count: 1,
    });
    const apiKey = created.token_value!;
    expect(apiKey.length).toBeGreaterThan(20);
    const listed = value(await c.core.listKeys(accountId));
    expect(listed.map((k) => [k.id, k.name, k.token_value])).toEqual([[created.id, 'backup job', null]]);

    expect(await sessionFromLoopback(apiKey)).toBe('opened at once');
    expect(value(await c.core.listKeys(accountId))[0]?.status).toBe('ACTIVE');

    // The IP list: deactivate the only IP → refused; add it back as a new ACTIVE entry → opens again.
    const [only] = value(await c.core.listIps(accountId, created.id));
    expect(only).toMatchObject({ ip: '127.0.0.1', status: 'ACTIVE' });
    expect(value(await c.core.setIpStatus(accountId, created.id, only!.id, 'INACTIVE'))).toMatchObject({
      id: only!.id,
      status: 'INACTIVE',
    });
    expect(await sessionFromLoopback(apiKey)).toBe('refused');
    expect(value(await c.core.setIpStatus(accountId, created.id, only!.id, 'ACTIVE')).status).toBe('ACTIVE');
    expect(await sessionFromLoopback(apiKey)).toBe('opened at once');
    // A second address, added INACTIVE (as "add my current IP" might be, then switched on later).
    const added = value(await c.core.addIp(accountId, created.id, '127.0.0.2', 'INACTIVE'));
    expect(added).toMatchObject({ ip: '127.0.0.2', status: 'INACTIVE' });
    expect(value(await c.core.listIps(accountId, created.id)).map((ip) => [ip.ip, ip.status])).toEqual([
      ['127.0.0.1', 'ACTIVE'],
      ['127.0.0.2', 'INACTIVE'],
    ]);

    // Switching the mode to push makes the server ask (the requester gives up after 1 s: EXPIRED by timeout).
    expect(
      value(await c.core.updateKey(accountId, created.id, { mode: 'push', name: 'backup job (2FA)' })),
    ).toMatchObject({
      mode: 'push',
      name: 'backup job (2FA)',
    });
    expect(await sessionFromLoopback(apiKey)).toBe('EXPIRED');
    // Deactivating refuses the key outright.
    expect(value(await c.core.updateKey(accountId, created.id, { status: 'INACTIVE' })).status).toBe('INACTIVE');
    expect(await sessionFromLoopback(apiKey)).toBe('refused');

    const history = value(await c.core.serverHistory(accountId, { credentialId: created.id }));
    expect(history.filter((h) => h.auto_accepted)).toHaveLength(2);
    // The request left waiting in push mode ended when the key was deactivated.
    expect(value(await c.core.serverHistory(accountId, { status: 'PENDING' }))).toEqual([]);
    expect(value(await c.core.serverHistory(accountId, { status: 'REJECTED', count: 5 }))).toHaveLength(1);
  });

  it('answers bad input before sending anything, and server refusals with the server’s words', async () => {
    const noName = await c.core.createKey(accountId, { name: '', mode: 'push' });
    expect(!noName.ok && noName.error.code).toBe('INVALID_INPUT');
    expect(!noName.ok && noName.error.message).toMatch(/name must not be empty/);
    const badIp = await c.core.addIp(accountId, 1, '300.1.1.1');
    expect(!badIp.ok && badIp.error.code).toBe('INVALID_INPUT');
    const emptyChange = await c.core.updateKey(accountId, 1, {});
    expect(!emptyChange.ok && emptyChange.error.code).toBe('INVALID_INPUT');
    const badCount = await c.core.serverHistory(accountId, { count: 500 });
    expect(!badCount.ok && badCount.error.code).toBe('INVALID_INPUT');
    expect(value(await c.core.listKeys(accountId))).toEqual([]);

    const unknownKey = await c.core.listIps(accountId, 999_999);
    expect(!unknownKey.ok && unknownKey.error).toMatchObject({ code: 'NOT_FOUND', status: 404 });
    const unknownAccount = await c.core.listKeys('no-such-account');
    expect(!unknownAccount.ok && unknownAccount.error.code).toBe('NOT_FOUND');

    // Refusals the server decides carry its own sentence.
    const key = value(await c.core.createKey(accountId, { name: 'k', mode: 'push', ips: ['10.0.0.1'] }));
    const duplicate = await c.core.addIp(accountId, key.id, '10.0.0.1');
    expect(!duplicate.ok && duplicate.error).toMatchObject({ code: 'INVALID_INPUT', status: 400 });
    expect(!duplicate.ok && duplicate.error.message).toMatch(/already listed for this key/);
  });
});
