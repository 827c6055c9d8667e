import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { PendingApproval } from '../../main/core/api.js';
import { CountersignError, type OpenSessionResult, type SessionProgress, openSession } from '../../client/index.js';
import { publicKeyObject, verifyText } from '../../protocol/crypto.js';
import { canonicalDecision } from '../../protocol/index.js';
import { type TestCore, startTestCore, waitFor } from '../support/core.js';
import { type TestServer, startTestServer } from '../support/server.js';
import { describeWithKeychain } from './keychain-session.js';

let server: TestServer;
const cores: TestCore[] = [];

afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  await server.close();
});

async function pairedCore(user: string): Promise<TestCore> {
  const started = await startTestCore({ issuer: server.admin, user });
  cores.push(started);
  return started;
}

/** A requester opening a session with the real client library; progress tells the uuid and binding code. */
function requester(apiKey: string, options: { localAddress?: string; description?: string } = {}) {
  const progress: SessionProgress[] = [];
  const result: Promise<OpenSessionResult> = openSession({
    server: server.url,
    apiKey,
    description: options.description ?? 'nightly export',
    userAgent: 'export-bot/1.0',
    geolocation: '4.89 52.37 0 100 NL',
    localAddress: options.localAddress,
    onProgress: (p) => progress.push(p),
  });
  // Keeps a refusal from surfacing as an unhandled rejection before the test awaits it.
  result.catch(() => {});
  return { result, progress };
}

function pendingOne(c: TestCore, uuid?: string): Promise<PendingApproval> {
  return waitFor('the request to reach the approver', () =>
    c.core.pending().find((p) => uuid === undefined || p.request.uuid === uuid),
  );
}

function publicKeyOf(c: TestCore, accountId: string): string {
  const db = new Database(join(c.dataDir, 'approver.db'), { readonly: true });
  try {
    return (db.prepare('SELECT public_key FROM account WHERE id = ?').get(accountId) as { public_key: string })
      .public_key;
  } finally {
    db.close();
  }
}

describeWithKeychain(`approvals through the real server`, () => {
  beforeEach(async () => {
    server = await startTestServer();
    await server.admin.createUser('ada');
  });

  it('shows a request, approves it, and the requester gets its token; the history keeps the signed decision', async () => {
    const key = await server.admin.createKey({ user: 'ada', name: 'export bot', mode: 'push' });
    const c = await pairedCore('ada');
    const accountId = c.account!.id;
    const added: PendingApproval[] = [];
    const lists: number[] = [];
    c.core.on('approval:added', (a) => added.push(a));
    c.core.on('approvals:changed', (list) => lists.push(list.length));

    const session = requester(key.api_key);
    const pending = await pendingOne(c);
    expect(pending).toMatchObject({
      accountId,
      request: {
        credential: { id: key.id, name: 'export bot', mode: 'push' },
        description: 'nightly export',
        ip: '127.0.0.1',
        ip_known: false,
        user_agent: 'export-bot/1.0',
        geolocation: { country: 'NL' },
        binding_choices: null,
      },
    });
    expect(added.map((a) => a.request.uuid)).toEqual([pending.request.uuid]);

    const decided = await c.core.decide(accountId, pending.request.uuid, { decision: 'APPROVE' });
    expect(decided).toEqual({ ok: true, value: { outcome: 'decided', status: 'ACCEPTED', bindingMismatch: false } });
    const result = await session.result;
    expect(result.status).toBe('ACCEPTED');
    expect(result.status === 'ACCEPTED' && result.token.length).toBeGreaterThan(20);
    expect(c.core.pending()).toEqual([]);
    expect(lists).toEqual([1, 0]);

    const [entry] = c.core.localHistory({ accountId });
    expect(entry).toMatchObject({
      uuid: pending.request.uuid,
      credentialId: key.id,
      credentialName: 'export bot',
      status: 'ACCEPTED',
      decision: 'APPROVE',
      trustIp: false,
      deactivateCredential: false,
      location: 'NL 52.37, 4.89',
    });
    // The signature is the evidence: it verifies with this device's public key over the canonical decision.
    const publicKey = publicKeyObject(publicKeyOf(c, accountId));
    const canonical = canonicalDecision(pending.request.uuid, { decision: 'APPROVE' });
    expect(verifyText(publicKey, canonical, entry!.decisionSignature!)).toBe(true);
    expect(
      verifyText(publicKey, canonicalDecision(pending.request.uuid, { decision: 'BLOCK' }), entry!.decisionSignature!),
    ).toBe(false);
    // The server recorded the same decision from this device.
    const serverHistory = await c.core.serverHistory(accountId, { credentialId: key.id });
    expect(serverHistory.ok && serverHistory.value[0]).toMatchObject({
      uuid: pending.request.uuid,
      status: 'ACCEPTED',
      decision: 'APPROVE',
      decided_by_device_id: c.account!.deviceId,
    });
  });

  it('blocks and deactivates: the requester is rejected and the key is refused afterwards', async () => {
    const key = await server.admin.createKey({ user: 'ada', name: 'ci', mode: 'push' });
    const c = await pairedCore('ada');
    const accountId = c.account!.id;
    const session = requester(key.api_key);
    const pending = await pendingOne(c);
    const trustWithBlock = await c.core.decide(accountId, pending.request.uuid, { decision: 'BLOCK', trustIp: true });
    expect(!trustWithBlock.ok && trustWithBlock.error.code).toBe('INVALID_INPUT');
    const decided = await c.core.decide(accountId, pending.request.uuid, {
      decision: 'BLOCK',
      deactivateCredential: true,
    });
    expect(decided).toEqual({ ok: true, value: { outcome: 'decided', status: 'REJECTED', bindingMismatch: false } });
    expect((await session.result).status).toBe('REJECTED');

    const refused = await requester(key.api_key).result.catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CountersignError);
    expect((refused as CountersignError).status).toBe(401);
    const keys = await c.core.listKeys(accountId);
    expect(keys.ok && keys.value.find((k) => k.id === key.id)?.status).toBe('INACTIVE');
    expect(c.core.localHistory({ status: 'REJECTED' })).toMatchObject([
      { uuid: pending.request.uuid, decision: 'BLOCK', deactivateCredential: true },
    ]);
  });

  it('approves and trusts the IP: the next session from that IP passes without asking (push-unless-trusted)', async () => {
    const key = await server.admin.createKey({ user: 'ada', name: 'laptop script', mode: 'push-unless-trusted' });
    const c = await pairedCore('ada');
    const accountId = c.account!.id;
    const first = requester(key.api_key);
    const pending = await pendingOne(c);
    expect(pending.request.ip_known).toBe(false);
    const decided = await c.core.decide(accountId, pending.request.uuid, { decision: 'APPROVE', trustIp: true });
    expect(decided.ok && decided.value.outcome).toBe('decided');
    expect((await first.result).status).toBe('ACCEPTED');
    const ips = await c.core.listIps(accountId, key.id);
    expect(ips.ok && ips.value.map((ip) => [ip.ip, ip.status])).toEqual([['127.0.0.1', 'ACTIVE']]);

    let added = 0;
    c.core.on('approval:added', () => added++);
    const second = await requester(key.api_key).result;
    expect(second).toMatchObject({ status: 'ACCEPTED', uuid: null });
    // Another address still asks.
    const elsewhere = requester(key.api_key, { localAddress: '127.0.0.2' });
    const asked = await pendingOne(c);
    expect(asked.request.ip).toBe('127.0.0.2');
    expect(added).toBe(1);
    await c.core.decide(accountId, asked.request.uuid, { decision: 'BLOCK' });
    expect((await elsewhere.result).status).toBe('REJECTED');
    expect(c.core.localHistory({ accountId }).map((e) => [e.ip, e.trustIp, e.status])).toEqual([
      ['127.0.0.2', false, 'REJECTED'],
      ['127.0.0.1', true, 'ACCEPTED'],
    ]);
  });

  it('checks the typed code: as many digits as asked, and a wrong code rejects the request', async () => {
    const key = await server.admin.createKey({ user: 'ada', name: 'matched', mode: 'push', codeLength: 3 });
    const c = await pairedCore('ada');
    const accountId = c.account!.id;

    const tricked = requester(key.api_key);
    const first = await pendingOne(c);
    // The device is told how many digits to ask for, not the code.
    expect(first.request).toMatchObject({ code_length: 3, binding_choices: null });
    const shown = (await waitFor('the code', () => tricked.progress[0])).bindingCode!;
    const missing = await c.core.decide(accountId, first.request.uuid, { decision: 'APPROVE' });
    expect(!missing.ok && missing.error.message).toMatch(/Type the 3-digit code the program shows/);
    const tooShort = await c.core.decide(accountId, first.request.uuid, { decision: 'APPROVE', bindingCode: '12' });
    expect(!tooShort.ok && tooShort.error.code).toBe('INVALID_INPUT');
    const wrong = shown === '999' ? '998' : '999';
    const mismatched = await c.core.decide(accountId, first.request.uuid, { decision: 'APPROVE', bindingCode: wrong });
    expect(mismatched).toEqual({ ok: true, value: { outcome: 'decided', status: 'REJECTED', bindingMismatch: true } });
    expect((await tricked.result).status).toBe('REJECTED');

    const honest = requester(key.api_key);
    const second = await pendingOne(c);
    const code = (await waitFor('the code', () => honest.progress[0])).bindingCode!;
    const approved = await c.core.decide(accountId, second.request.uuid, { decision: 'APPROVE', bindingCode: code });
    expect(approved).toEqual({ ok: true, value: { outcome: 'decided', status: 'ACCEPTED', bindingMismatch: false } });
    expect((await honest.result).status).toBe('ACCEPTED');
  });

  it('two desktops on one user: the first decision wins, the other queue clears and its late decision is already-decided', async () => {
    const key = await server.admin.createKey({ user: 'ada', name: 'shared', mode: 'push' });
    const a = await pairedCore('ada');
    const b = await pairedCore('ada');
    const closedOnB: unknown[] = [];
    b.core.on('approval:closed', (info) => closedOnB.push(info));

    const session = requester(key.api_key);
    const onA = await pendingOne(a);
    await pendingOne(b, onA.request.uuid);
    const first = await a.core.decide(a.account!.id, onA.request.uuid, { decision: 'APPROVE' });
    expect(first.ok && first.value.outcome).toBe('decided');
    expect((await session.result).status).toBe('ACCEPTED');
    await waitFor('the other desktop to drop the request', () => b.core.pending().length === 0);
    expect(closedOnB).toEqual([
      { accountId: b.account!.id, uuid: onA.request.uuid, status: 'ACCEPTED', by: 'elsewhere' },
    ]);
    expect(b.core.localHistory()[0]).toMatchObject({ uuid: onA.request.uuid, status: 'ACCEPTED', decision: null });

    // A decision from the second desktop that crosses the first one's: an outcome, not an error.
    const second = requester(key.api_key);
    const again = await pendingOne(a);
    await pendingOne(b, again.request.uuid);
    await b.core.decide(b.account!.id, again.request.uuid, { decision: 'BLOCK' });
    const late = await a.core.decide(a.account!.id, again.request.uuid, { decision: 'APPROVE' });
    expect(late).toEqual({ ok: true, value: { outcome: 'already-decided' } });
    expect(a.core.pending()).toEqual([]);
    expect((await second.result).status).toBe('REJECTED');
  });

  it('forwards a key lock after three blocks', async () => {
    const key = await server.admin.createKey({ user: 'ada', name: 'noisy', mode: 'push' });
    const c = await pairedCore('ada');
    const locked: unknown[] = [];
    c.core.on('credential:locked', (info) => locked.push(info));
    for (let i = 0; i < 3; i++) {
      const session = requester(key.api_key);
      const pending = await pendingOne(c);
      await c.core.decide(c.account!.id, pending.request.uuid, { decision: 'BLOCK' });
      expect((await session.result).status).toBe('REJECTED');
    }
    await waitFor('the lock notice', () => locked.length > 0);
    expect(locked[0]).toMatchObject({ accountId: c.account!.id, credentialId: key.id, credentialName: 'noisy' });
    const keys = await c.core.listKeys(c.account!.id);
    expect(keys.ok && keys.value[0]?.status).toBe('LOCKED');
  });

  it('an identical attempt merges into the shown request: its card is updated, not notified again', async () => {
    const key = await server.admin.createKey({ user: 'ada', name: 'retrying bot', mode: 'push' });
    const c = await pairedCore('ada');
    const accountId = c.account!.id;
    const added: string[] = [];
    c.core.on('approval:added', (a) => added.push(a.request.uuid));
    // A bot retrying without a claim of its own (the library makes a fresh one per call, so its calls never merge).
    const attempt = () =>
      fetch(`${server.url}/v1/session-server`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'retry-bot/2.0' },
        body: JSON.stringify({ secret: key.api_key, description: 'hourly sync' }),
      });
    expect((await attempt()).status).toBe(202);
    const pending = await pendingOne(c);
    expect(pending.request).toMatchObject({ repeat_count: 1, observed: { ip: '127.0.0.1', kind: 'loopback' } });
    expect(pending.request.claimed).toMatchObject({ description: 'hourly sync', user_agent: 'retry-bot/2.0' });

    expect((await attempt()).status).toBe(202);
    await waitFor('the merged count', () => c.core.pending()[0]?.request.repeat_count === 2 || undefined);
    expect(c.core.pending().map((p) => p.request.uuid)).toEqual([pending.request.uuid]);
    expect(c.core.pending()[0]?.receivedAt).toBe(pending.receivedAt);
    expect(added).toEqual([pending.request.uuid]);
    expect((await c.core.decide(accountId, pending.request.uuid, { decision: 'BLOCK' })).ok).toBe(true);
  });

  it('with an app PIN set, Approve needs the right PIN; Block needs none', async () => {
    const key = await server.admin.createKey({ user: 'ada', name: 'guarded', mode: 'push' });
    const c = await pairedCore('ada');
    const accountId = c.account!.id;
    expect(await c.core.pinStatus()).toEqual({ ok: true, value: { set: false, lockedUntil: null, triesLeft: 5 } });
    expect((await c.core.setPin({ pin: '2468' })).ok).toBe(true);

    const first = requester(key.api_key);
    const pending = await pendingOne(c);
    const uuid = pending.request.uuid;
    const without = await c.core.decide(accountId, uuid, { decision: 'APPROVE' });
    expect(!without.ok && without.error.code).toBe('PIN_REQUIRED');
    const wrong = await c.core.decide(accountId, uuid, { decision: 'APPROVE', pin: '1357' });
    expect(!wrong.ok && wrong.error).toMatchObject({ code: 'PIN_WRONG', message: expect.stringContaining('4 tries') });
    // Refused here: nothing reached the server, the request still waits.
    expect(c.core.pending().map((p) => p.request.uuid)).toEqual([uuid]);
    const right = await c.core.decide(accountId, uuid, { decision: 'APPROVE', pin: '2468' });
    expect(right).toEqual({ ok: true, value: { outcome: 'decided', status: 'ACCEPTED', bindingMismatch: false } });
    expect((await first.result).status).toBe('ACCEPTED');

    const second = requester(key.api_key);
    const next = await pendingOne(c);
    expect((await c.core.decide(accountId, next.request.uuid, { decision: 'BLOCK' })).ok).toBe(true);
    expect((await second.result).status).toBe('REJECTED');

    // Removed (with the PIN), Approve needs none again.
    expect((await c.core.removePin('2468')).ok).toBe(true);
    const third = requester(key.api_key);
    const last = await pendingOne(c);
    expect((await c.core.decide(accountId, last.request.uuid, { decision: 'APPROVE' })).ok).toBe(true);
    expect((await third.result).status).toBe('ACCEPTED');
  });

  it('answers bad decide calls as data', async () => {
    const c = await pairedCore('ada');
    const unknownAccount = await c.core.decide('nope', '7f1b3a2e-8c4d-4e5f-9a6b-1c2d3e4f5a6b', { decision: 'APPROVE' });
    expect(!unknownAccount.ok && unknownAccount.error.code).toBe('NOT_FOUND');
    const badUuid = await c.core.decide(c.account!.id, 'not-a-uuid', { decision: 'APPROVE' });
    expect(!badUuid.ok && badUuid.error.code).toBe('INVALID_INPUT');
    const unknownRequest = await c.core.decide(c.account!.id, '7f1b3a2e-8c4d-4e5f-9a6b-1c2d3e4f5a6b', {
      decision: 'APPROVE',
    });
    expect(!unknownRequest.ok && unknownRequest.error.code).toBe('NOT_FOUND');
  });
});

describeWithKeychain(`expiry`, () => {
  beforeEach(async () => {
    server = await startTestServer({ requestLifetimeSeconds: 2 });
    await server.admin.createUser('ada');
  });

  it('drops a request at its expiry time; deciding it afterwards is the expired outcome', async () => {
    const key = await server.admin.createKey({ user: 'ada', name: 'slow', mode: 'push' });
    const c = await pairedCore('ada');
    const closed: unknown[] = [];
    c.core.on('approval:closed', (info) => closed.push(info));
    const session = requester(key.api_key);
    const pending = await pendingOne(c);
    await waitFor('the request to expire', () => closed.length > 0);
    expect(closed).toEqual([{ accountId: c.account!.id, uuid: pending.request.uuid, status: 'EXPIRED', by: 'expiry' }]);
    expect(c.core.pending()).toEqual([]);
    expect(c.core.localHistory()[0]?.status).toBe('EXPIRED');
    expect((await session.result).status).toBe('EXPIRED');
    const late = await c.core.decide(c.account!.id, pending.request.uuid, { decision: 'APPROVE' });
    expect(late).toEqual({ ok: true, value: { outcome: 'expired' } });
  });
});
