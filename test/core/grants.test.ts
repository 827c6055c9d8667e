// Grants on the desktop core, against the real server and keychain: pre-authorise, the live list every device keeps
// from the push stream (created, used, revoked; a fresh list on connect), the batched quiet notice of sessions that
// opened without asking, and "This wasn't me" ending everything it says.
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { KeyGrants, SessionsOpenedNotice } from '../../main/core/api.js';
import { openSession } from '../../client/index.js';
import { type TestCore, startTestCore, waitFor } from '../support/core.js';
import { gatedWebSocket } from '../support/gated-websocket.js';
import { http, type TestServer, startTestServer } from '../support/server.js';
import { describeWithKeychain } from './keychain-session.js';

let server: TestServer;
const cores: TestCore[] = [];

afterEach(async () => {
  for (const c of cores.splice(0)) await c.close();
  await server.close();
});

async function pairedCore(
  user: string,
  sessionBatchMs = 400,
  more: Parameters<typeof startTestCore>[0] = {},
): Promise<TestCore> {
  const started = await startTestCore({ issuer: server.admin, user, sessionBatchMs, ...more });
  cores.push(started);
  return started;
}

/** A session that a grant must open at once: a 202 (asking the owner) would leave it waiting, and fail here. */
async function openAtOnce(apiKey: string): Promise<string> {
  const opened = await openSession({ server: server.url, apiKey, description: 'batch job', timeoutSeconds: 2 });
  if (opened.status !== 'ACCEPTED' || opened.uuid !== null) throw new Error(`not opened at once: ${opened.status}`);
  return opened.token;
}

async function introspect(token: string): Promise<{ active: boolean }> {
  const reply = await http(`${server.url}/v1/session-server/introspect`, {
    method: 'POST',
    headers: { authorization: `Bearer ${server.introspectionSecret}` },
    body: { token },
  });
  return reply.json as { active: boolean };
}

const grantsOfKey = (lists: KeyGrants[], credentialId: number) =>
  lists.find((k) => k.credentialId === credentialId)?.grants ?? [];

describeWithKeychain('grants on the desktop, through the real server', () => {
  beforeEach(async () => {
    server = await startTestServer();
    await server.admin.createUser('ada');
  });

  it('keeps every device’s live list from the stream: created, used, revoked with its sessions ended', async () => {
    const key = await server.admin.createKey({ user: 'ada', name: 'ci-bot', mode: 'push' });
    const maker = await pairedCore('ada');
    const watcher = await pairedCore('ada');
    const snapshots: KeyGrants[][] = [];
    watcher.core.on('grants:changed', (list) => snapshots.push(list));

    const created = await maker.core.createGrant(maker.account!.id, key.id, {
      scope: 'anywhere',
      minutes: 60,
      max_uses: 5,
    });
    if (!created.ok) throw new Error(created.error.message);
    expect(created.value).toMatchObject({ scope: 'anywhere', status: 'ACTIVE', uses: 0, max_uses: 5 });
    // The maker's list has it at once; the other device's from grant.changed (created).
    expect(grantsOfKey(maker.core.activeGrants(), key.id).map((g) => g.id)).toEqual([created.value.id]);
    await waitFor('the watcher to see the grant', () => grantsOfKey(watcher.core.activeGrants(), key.id).length === 1);

    const tokens = [await openAtOnce(key.api_key), await openAtOnce(key.api_key)];
    await waitFor(
      'the uses to reach the watcher',
      () => grantsOfKey(watcher.core.activeGrants(), key.id)[0]?.uses === 2,
    );
    expect(grantsOfKey(watcher.core.activeGrants(), key.id)[0]).toMatchObject({ uses: 2, uses_left: 3 });
    expect(snapshots.length).toBeGreaterThanOrEqual(3);

    // A device that connects now lists the live grants on its first hello.
    const late = await pairedCore('ada');
    await waitFor(
      'the late device to list the grant',
      () => grantsOfKey(late.core.activeGrants(), key.id)[0]?.uses === 2,
    );

    const revoked = await maker.core.revokeGrant(maker.account!.id, key.id, created.value.id, { endSessions: true });
    if (!revoked.ok) throw new Error(revoked.error.message);
    expect(revoked.value).toMatchObject({ grant: { status: 'REVOKED' }, sessionsEnded: 2 });
    expect(maker.core.activeGrants()).toEqual([]);
    await waitFor('the watcher to drop the grant', () => watcher.core.activeGrants().length === 0);
    await waitFor('the late device to drop the grant', () => late.core.activeGrants().length === 0);
    for (const token of tokens) expect(await introspect(token)).toEqual({ active: false });
    // The next attempt asks the owner again (202): nothing opens at once.
    await expect(openAtOnce(key.api_key)).rejects.toThrow(/not opened at once/);
  });

  it('gathers sessions opened under a grant into one quiet notice per key, each request once', async () => {
    const key = await server.admin.createKey({ user: 'ada', name: 'ci-bot', mode: 'push' });
    const c = await pairedCore('ada', 1500);
    const told: SessionsOpenedNotice[] = [];
    c.core.on('grants:sessions-opened', (n) => told.push(n));
    const grant = await c.core.createGrant(c.account!.id, key.id, { scope: 'anywhere', minutes: 480 });
    if (!grant.ok) throw new Error(grant.error.message);

    await Promise.all([openAtOnce(key.api_key), openAtOnce(key.api_key)]);
    await waitFor('the batched notice', () => told.length > 0, 10_000);
    // The batch window is 1.5 s: both sessions in one notice, not two.
    await new Promise((resolve) => setTimeout(resolve, 1800));
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({
      accountId: c.account!.id,
      credentialId: key.id,
      credentialName: 'ci-bot',
      cause: { kind: 'grant', grantId: grant.value.id, label: 'anywhere, 8 h' },
      count: 2,
      ips: ['127.0.0.1'],
      summary: "2 sessions opened for ci-bot under 'anywhere, 8 h'",
    });
    expect(c.core.sessionNotices().map((n) => n.id)).toEqual([told[0]!.id]);

    // A third session later is a new batch.
    await openAtOnce(key.api_key);
    await waitFor('the second notice', () => told.length === 2, 10_000);
    expect(told[1]).toMatchObject({ count: 1, summary: "1 session opened for ci-bot under 'anywhere, 8 h'" });
    expect(c.core.sessionNotices()).toHaveLength(2);

    expect(c.core.dismissSessionNotice(told[1]!.id)).toEqual({ ok: true, value: undefined });
    expect(c.core.sessionNotices().map((n) => n.id)).toEqual([told[0]!.id]);
    expect(c.core.dismissSessionNotice(told[1]!.id)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });

  it('"This wasn\'t me" revokes the grants, deactivates the key and ends its sessions', async () => {
    const key = await server.admin.createKey({ user: 'ada', name: 'ci-bot', mode: 'push' });
    const c = await pairedCore('ada');
    const accountId = c.account!.id;
    const grant = await c.core.createGrant(accountId, key.id, {
      scope: 'network',
      network: '127.0.0.0/8',
      minutes: 60,
    });
    if (!grant.ok) throw new Error(grant.error.message);
    const token = await openAtOnce(key.api_key);
    expect(await introspect(token)).toMatchObject({ active: true });
    await waitFor('the notice', () => c.core.sessionNotices().length === 1, 10_000);
    expect(c.core.sessionNotices()[0]!.summary).toBe("1 session opened for ci-bot under '127.0.0.0/8, 1 h'");

    const notMe = await c.core.reportNotMe(accountId, key.id);
    expect(notMe).toEqual({
      ok: true,
      value: { credentialId: key.id, grantsRevoked: 1, sessionsEnded: 1, requestsRejected: 0 },
    });
    expect(await introspect(token)).toEqual({ active: false });
    const keys = await c.core.listKeys(accountId);
    expect(keys.ok && keys.value.find((k) => k.id === key.id)?.status).toBe('INACTIVE');
    expect(c.core.activeGrants()).toEqual([]);
    // Answered: the notice is gone.
    expect(c.core.sessionNotices()).toEqual([]);
    const all = await c.core.listGrants(accountId, key.id, { all: true });
    expect(all.ok && all.value.map((g) => g.status)).toEqual(['REVOKED']);
  });

  it('resyncs after being away: a grant made and one revoked meanwhile are right after the reconnect', async () => {
    const key = await server.admin.createKey({ user: 'ada', name: 'ci-bot', mode: 'push' });
    const { gate, WebSocket: Gated } = gatedWebSocket();
    const away = await pairedCore('ada', 400, { WebSocket: Gated, backoff: { baseMs: 50, capMs: 200 } });
    const present = await pairedCore('ada');
    const presentId = present.account!.id;
    const old = await present.core.createGrant(presentId, key.id, { scope: 'anywhere', minutes: 30 });
    if (!old.ok) throw new Error(old.error.message);
    await waitFor('the away desktop to see the first grant', () => away.core.activeGrants().length === 1);

    gate.open = false;
    gate.sockets.at(-1)!.terminate();
    await waitFor('the away desktop to be offline', () => away.core.listAccounts()[0]?.connection.state === 'offline');
    await present.core.revokeGrant(presentId, key.id, old.value.id, { endSessions: false });
    const fresh = await present.core.createGrant(presentId, key.id, {
      scope: 'network',
      network: '198.51.100.0/24',
      max_uses: 4,
    });
    if (!fresh.ok) throw new Error(fresh.error.message);
    // It heard neither.
    expect(grantsOfKey(away.core.activeGrants(), key.id).map((g) => g.id)).toEqual([old.value.id]);

    gate.open = true;
    await waitFor('the away desktop to list afresh', () => {
      const ids = grantsOfKey(away.core.activeGrants(), key.id).map((g) => g.id);
      return ids.length === 1 && ids[0] === fresh.value.id;
    });
  });

  it('a session let in by a permitted IP gets its quiet notice too', async () => {
    const key = await server.admin.createKey({
      user: 'ada',
      name: 'trusted-bot',
      mode: 'push-unless-trusted',
      ips: ['127.0.0.1'],
    });
    const c = await pairedCore('ada');
    await openAtOnce(key.api_key);
    const [notice] = await waitFor('the notice', () =>
      c.core.sessionNotices().length ? c.core.sessionNotices() : null,
    );
    expect(notice).toMatchObject({
      cause: { kind: 'permitted_ip', ip: '127.0.0.1' },
      count: 1,
      summary: '1 session opened for trusted-bot from permitted IP 127.0.0.1',
    });
  });

  it('refuses bad input before anything is sent, and a grant for an ip-only key with the server’s words', async () => {
    const key = await server.admin.createKey({ user: 'ada', name: 'ip bot', mode: 'ip-only', ips: ['127.0.0.1'] });
    const c = await pairedCore('ada');
    const accountId = c.account!.id;
    const bad = await c.core.createGrant(accountId, key.id, { scope: 'anywhere' } as never);
    expect(bad).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    const ipOnly = await c.core.createGrant(accountId, key.id, { scope: 'anywhere', minutes: 5 });
    expect(ipOnly).toMatchObject({ ok: false, error: { status: 409 } });
    expect(c.core.activeGrants()).toEqual([]);
  });
});
