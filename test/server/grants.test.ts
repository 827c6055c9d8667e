// Grants through the real server (SQLite and PostgreSQL): each scope opens exactly what it covers and nothing else,
// expiry and use counts hold (also under 20 concurrent requests), revoke stops the next request at once, "this
// wasn't me" ends everything it says, and bad input is a 4xx that changes nothing.
import { afterEach, describe, expect, it } from 'vitest';
import {
  ErrorText,
  type Grant,
  GrantCreated,
  GrantList,
  GrantRevoked,
  IntrospectResult,
  NotMeResult,
  type ServerMessage,
  SessionRequestHistory,
} from '../../protocol/index.js';
import { TestInstallation } from '../support/requester.js';
import { http } from '../support/server.js';
import {
  attempt,
  countRows,
  createKey,
  errorText,
  openedAttempt,
  pendingAttempt,
  snapshotDb,
  type World,
  world,
} from './helpers.js';

let w: World;
afterEach(async () => w?.close());

/** The server clock, which a test may move forward (grants expire by it). */
let offsetMs = 0;
const clock = () => Date.now() + offsetMs;

async function start() {
  offsetMs = 0;
  w = await world({ now: clock });
  return w;
}

const grantsPath = (keyId: number) => `/v1/user/${w.user.id}/credential-password-ip/${keyId}/grant`;

async function preAuthorise(keyId: number, body: unknown): Promise<Grant> {
  const reply = await w.device.request('POST', grantsPath(keyId), body);
  expect(reply.status, reply.text).toBe(200);
  return GrantCreated.parse(reply.json).Response[1].Grant;
}

async function liveGrants(keyId: number): Promise<Grant[]> {
  const reply = await w.device.request('GET', grantsPath(keyId));
  expect(reply.status, reply.text).toBe(200);
  return GrantList.parse(reply.json).Response.map((item) => item.Grant);
}

async function introspect(token: string) {
  const reply = await http(`${w.server.url}/v1/session-server/introspect`, {
    method: 'POST',
    headers: { authorization: `Bearer ${w.server.introspectionSecret}` },
    body: { token },
  });
  return IntrospectResult.parse(reply.json);
}

/** The next stream message of a type, skipping others of no interest. */
async function next<T extends ServerMessage['type']>(type: T) {
  return w.stream.next(type);
}

describe('a grant made with the decision', () => {
  it('installation, 8 h: the same installation passes from a new IP; another installation or unsigned is asked', async () => {
    await start();
    const key = await createKey(w, 'push');
    const runner = await TestInstallation.register(w.server.url, key.api_key, 'runner-3', clock);
    const other = await TestInstallation.register(w.server.url, key.api_key, 'other', clock);
    const first = await runner.attempt(key.api_key);
    expect(first.status).toBe(202);
    const { request } = await next('approval.requested');
    const decided = await w.device.decide(request.uuid, {
      decision: 'APPROVE',
      scope: { kind: 'installation', duration: '8h' },
    });
    expect(decided.status, decided.text).toBe(200);
    const created = await next('grant.changed');
    expect(created.change).toBe('created');
    expect(created.grant).toMatchObject({
      scope: 'installation',
      installation: { id: runner.id, name: 'runner-3', fingerprint: runner.fingerprint },
      status: 'ACTIVE',
      request_uuid: request.uuid,
      max_uses: null,
      uses: 0,
    });
    expect(Date.parse(created.grant.expires_at) - Date.parse(created.grant.created)).toBe(8 * 3600_000);

    // From another address, same installation: opened at once, and the owner's devices hear of it.
    const again = await runner.attempt(key.api_key, { localAddress: '127.0.0.2' });
    expect(again.status, again.text).toBe(200);
    const opened = await next('session.opened');
    expect(opened).toMatchObject({
      credential: { id: key.id },
      ip: '127.0.0.2',
      installation: { id: runner.id, name: 'runner-3' },
      granted_by: { kind: 'grant', grant_id: created.grant.id },
    });
    expect((await next('grant.changed')).grant.uses).toBe(1);
    // Not for another installation of the same key, nor unsigned.
    expect((await other.attempt(key.api_key)).status).toBe(202);
    expect((await attempt(w.server, key.api_key)).status).toBe(202);

    const history = await w.device.request('GET', `/v1/user/${w.user.id}/session-server-request`);
    const entries = SessionRequestHistory.parse(history.json).Response.map((item) => item.SessionServerRequest);
    const byGrant = entries.find((entry) => entry.uuid === opened.request_uuid)!;
    expect(byGrant).toMatchObject({ status: 'ACCEPTED', auto_accepted: true, granted_by: { kind: 'grant' } });
    expect(entries.find((entry) => entry.uuid === request.uuid)!.grant_created).toBe(created.grant.id);
  });

  it('network, 1 h: passes from the same /24, not from outside it', async () => {
    await start();
    const key = await createKey(w, 'push');
    const pending = await pendingAttempt(w.server, key.api_key);
    await next('approval.requested');
    expect(
      (await w.device.decide(pending.uuid, { decision: 'APPROVE', scope: { kind: 'network', duration: '1h' } })).status,
    ).toBe(200);
    expect((await next('grant.changed')).grant.network).toBe('127.0.0.0/24');
    await openedAttempt(w.server, key.api_key, { localAddress: '127.0.0.2' });
    expect((await next('session.opened')).granted_by.kind).toBe('grant');
    await pendingAttempt(w.server, key.api_key, { localAddress: '127.0.1.2' });
  });

  it('permit-ip adds the IP as ACTIVE (as trust_ip), and sessions it lets in are told as permitted_ip', async () => {
    await start();
    const key = await createKey(w, 'push-unless-trusted');
    const pending = await pendingAttempt(w.server, key.api_key);
    await next('approval.requested');
    expect((await w.device.decide(pending.uuid, { decision: 'APPROVE', scope: { kind: 'permit-ip' } })).status).toBe(
      200,
    );
    await openedAttempt(w.server, key.api_key);
    expect((await next('session.opened')).granted_by).toEqual({ kind: 'permitted_ip', ip: '127.0.0.1' });
  });

  it('refuses a scope it cannot grant with a 4xx and leaves the request PENDING', async () => {
    await start();
    const key = await createKey(w, 'push');
    const pending = await pendingAttempt(w.server, key.api_key);
    await next('approval.requested');
    const before = await snapshotDb(w.server);
    const unsigned = await w.device.decide(pending.uuid, {
      decision: 'APPROVE',
      scope: { kind: 'installation', duration: '1h' },
    });
    expect(unsigned.status).toBe(400);
    expect(errorText(unsigned)).toBe(ErrorText.GRANT_NEEDS_INSTALLATION);
    const bad: unknown[] = [
      { decision: 'APPROVE', scope: { kind: 'network', duration: '7d' } },
      { decision: 'APPROVE', scope: { kind: 'installation', duration: '2h' } },
      { decision: 'APPROVE', scope: { kind: 'installation', duration: '1h', max_uses: 0 } },
      { decision: 'BLOCK', scope: { kind: 'network', duration: '1h' } },
      { decision: 'APPROVE', trust_ip: true, scope: { kind: 'network', duration: '1h' } },
      { decision: 'APPROVE', scope: { kind: 'anywhere' } },
    ];
    for (const decision of bad) {
      const reply = await w.device.request('POST', `/v1/session-server-request/${pending.uuid}/decision`, {
        ...(decision as object),
        signature: 'A'.repeat(86),
      });
      expect(reply.status, JSON.stringify(decision)).toBe(400);
      expect(errorText(reply)).toContain('scope');
    }
    // The scope is signed: the v1 signature (without scope) does not cover a decision with one.
    const v1 = w.device.signDecision(pending.uuid, { decision: 'APPROVE' });
    const unsignedScope = await w.device.request('POST', `/v1/session-server-request/${pending.uuid}/decision`, {
      decision: 'APPROVE',
      scope: { kind: 'network', duration: '24h' },
      signature: v1,
    });
    expect(unsignedScope.status).toBe(400);
    expect(errorText(unsignedScope)).toContain('canonical decision string');
    expect(await snapshotDb(w.server)).toBe(before);
  });
});

describe('pre-authorised grants', () => {
  it('anywhere with max_uses 2: exactly two sessions, then the normal push', async () => {
    await start();
    const key = await createKey(w, 'push');
    const grant = await preAuthorise(key.id, { scope: 'anywhere', max_uses: 2 });
    expect(grant).toMatchObject({ status: 'ACTIVE', uses: 0, uses_left: 2, request_uuid: null });
    expect(Date.parse(grant.expires_at) - Date.parse(grant.created)).toBe(7 * 24 * 3600_000);
    await openedAttempt(w.server, key.api_key);
    await openedAttempt(w.server, key.api_key, { localAddress: '127.0.9.9' });
    await pendingAttempt(w.server, key.api_key);
    expect(await liveGrants(key.id)).toEqual([]);
    const all = await w.device.request('GET', `${grantsPath(key.id)}?status=all`);
    expect(GrantList.parse(all.json).Response[0]!.Grant).toMatchObject({ status: 'USED_UP', uses: 2, uses_left: 0 });
  });

  it('expires: a minute later the normal push asks again', async () => {
    await start();
    const key = await createKey(w, 'push');
    await preAuthorise(key.id, { scope: 'anywhere', minutes: 1 });
    await openedAttempt(w.server, key.api_key);
    offsetMs = 60_000;
    await pendingAttempt(w.server, key.api_key);
  });

  it('installation and network scopes cover what they name only', async () => {
    await start();
    const key = await createKey(w, 'push');
    const runner = await TestInstallation.register(w.server.url, key.api_key, 'ci', clock);
    await preAuthorise(key.id, { scope: 'installation', installation_id: runner.id, minutes: 30 });
    await preAuthorise(key.id, { scope: 'network', network: '127.0.5.0/24', max_uses: 5 });
    expect((await runner.attempt(key.api_key, { localAddress: '127.0.7.1' })).status).toBe(200);
    await openedAttempt(w.server, key.api_key, { localAddress: '127.0.5.77' });
    await pendingAttempt(w.server, key.api_key, { localAddress: '127.0.6.77' });
  });

  it('revoke stops the next request at once; end_sessions ends what the grant opened', async () => {
    await start();
    const key = await createKey(w, 'push');
    const grant = await preAuthorise(key.id, { scope: 'anywhere', minutes: 60 });
    const opened = await openedAttempt(w.server, key.api_key);
    const token = opened.Response[1].Token.token;
    const revoked = await w.device.request('DELETE', `${grantsPath(key.id)}/${grant.id}?end_sessions=true`);
    expect(revoked.status, revoked.text).toBe(200);
    const [item, ended] = GrantRevoked.parse(revoked.json).Response;
    expect(item.Grant.status).toBe('REVOKED');
    expect(item.Grant.revoked_by_device_id).toBe(w.device.id);
    expect(ended.SessionsEnded.count).toBe(1);
    expect(await introspect(token)).toEqual({ active: false });
    await pendingAttempt(w.server, key.api_key);
    // Revoking again changes nothing.
    const again = await w.device.request('DELETE', `${grantsPath(key.id)}/${grant.id}`);
    expect(GrantRevoked.parse(again.json).Response[1].SessionsEnded.count).toBe(0);
  });

  it('20 concurrent requests against max_uses 3 open exactly 3 sessions', async () => {
    await start();
    const key = await createKey(w, 'push');
    const grant = await preAuthorise(key.id, { scope: 'anywhere', max_uses: 3 });
    const replies = await Promise.all(Array.from({ length: 20 }, () => attempt(w.server, key.api_key)));
    const statuses = replies.map((reply) => reply.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(3);
    // The rest asked the owner (at most 3 may wait per key; the others were told to wait).
    expect(statuses.every((status) => status === 200 || status === 202 || status === 429)).toBe(true);
    expect(await countRows(w.server, 'sessions', 'credential_id = ?', key.id)).toBe(3);
    expect(await countRows(w.server, 'session_requests', 'grant_id = ?', grant.id)).toBe(3);
  });

  it('ip-only keys take no grant (409); bad bodies get 400; nothing changes', async () => {
    await start();
    const ipOnly = await createKey(w, 'ip-only', { ips: ['127.0.0.1'] });
    const key = await createKey(w, 'push', { name: 'push' });
    const otherKey = await createKey(w, 'push', { name: 'other' });
    const theirs = await TestInstallation.register(w.server.url, otherKey.api_key, 'theirs', clock);
    const before = await snapshotDb(w.server);
    const refused = await w.device.request('POST', grantsPath(ipOnly.id), { scope: 'anywhere', minutes: 10 });
    expect(refused.status).toBe(409);
    expect(errorText(refused)).toBe(ErrorText.GRANT_MODE);
    const bad: [unknown, string][] = [
      [{ scope: 'anywhere' }, 'give minutes, max_uses or both'],
      [{ scope: 'anywhere', minutes: 10081 }, 'minutes'],
      [{ scope: 'anywhere', minutes: 0 }, 'minutes'],
      [{ scope: 'anywhere', max_uses: 1.5 }, 'max_uses'],
      [{ scope: 'installation', minutes: 5 }, 'installation_id'],
      [{ scope: 'anywhere', installation_id: theirs.id, minutes: 5 }, 'installation_id'],
      [{ scope: 'installation', installation_id: theirs.id, minutes: 5 }, 'installation_id'],
      [{ scope: 'network', minutes: 5 }, 'network'],
      [{ scope: 'network', network: '127.0.0.7/24', minutes: 5 }, 'host bits'],
      [{ scope: 'network', network: '10.0.0.0/4', minutes: 5 }, 'network'],
      [{ scope: 'network', network: 'fe80::1%eth0/64', minutes: 5 }, 'network'],
      [{ scope: 'everywhere', minutes: 5 }, 'scope'],
    ];
    for (const [body, text] of bad) {
      const reply = await w.device.request('POST', grantsPath(key.id), body);
      expect(reply.status, JSON.stringify(body)).toBe(400);
      expect(errorText(reply), JSON.stringify(body)).toContain(text);
    }
    expect((await w.device.request('GET', grantsPath(999_999))).status).toBe(404);
    expect((await w.device.request('DELETE', `${grantsPath(key.id)}/999999`)).status).toBe(404);
    expect((await w.device.request('GET', `${grantsPath(key.id)}?status=some`)).status).toBe(400);
    expect((await w.device.request('DELETE', `${grantsPath(key.id)}/1?end_sessions=yes`)).status).toBe(400);
    expect(
      (await w.device.request('GET', `/v1/user/${w.user.id + 1}/credential-password-ip/${key.id}/grant`)).status,
    ).toBe(403);
    expect(await snapshotDb(w.server)).toBe(before);
  });

  it('a grant of another key opens nothing for this one', async () => {
    await start();
    const key = await createKey(w, 'push');
    const otherKey = await createKey(w, 'push', { name: 'other' });
    await preAuthorise(otherKey.id, { scope: 'anywhere', minutes: 10 });
    await pendingAttempt(w.server, key.api_key);
    // And a grant of the other key cannot be revoked through this key's path.
    const [theirs] = await liveGrants(otherKey.id);
    expect((await w.device.request('DELETE', `${grantsPath(key.id)}/${theirs!.id}`)).status).toBe(404);
  });
});

describe('"this wasn\'t me"', () => {
  it('revokes every live grant, deactivates the key, ends its sessions and refuses what waits, in one call', async () => {
    await start();
    const key = await createKey(w, 'push');
    await preAuthorise(key.id, { scope: 'network', network: '127.0.3.0/24', minutes: 60 });
    await preAuthorise(key.id, { scope: 'anywhere', max_uses: 1 });
    const opened = await openedAttempt(w.server, key.api_key);
    const waiting = await pendingAttempt(w.server, key.api_key);
    const reply = await w.device.request(
      'POST',
      `/v1/user/${w.user.id}/credential-password-ip/${key.id}/this-was-not-me`,
    );
    expect(reply.status, reply.text).toBe(200);
    expect(NotMeResult.parse(reply.json).Response[0].NotMe).toEqual({
      credential_id: key.id,
      grants_revoked: 1,
      sessions_ended: 1,
      requests_rejected: 1,
    });
    expect(await introspect(opened.Response[1].Token.token)).toEqual({ active: false });
    expect(await liveGrants(key.id)).toEqual([]);
    expect((await attempt(w.server, key.api_key, { localAddress: '127.0.3.3' })).status).toBe(401);
    const status = await http(`${w.server.url}/v1/session-server-request/${waiting.uuid}`, {
      headers: { 'x-bunq-client-authentication': key.api_key },
    });
    expect(
      (status.json as { Response: { SessionServerRequest: { status: string } }[] }).Response[0]!.SessionServerRequest
        .status,
    ).toBe('REJECTED');
    // The owner's devices see the grant leave their list.
    await expect
      .poll(() => w.stream.received.some((m) => m.type === 'grant.changed' && m.change === 'revoked'))
      .toBe(true);
  });

  it('deactivating the key revokes its grants too: setting it ACTIVE again brings none back', async () => {
    await start();
    const key = await createKey(w, 'push');
    await preAuthorise(key.id, { scope: 'anywhere', minutes: 60 });
    const path = `/v1/user/${w.user.id}/credential-password-ip/${key.id}`;
    expect((await w.device.request('PUT', path, { status: 'INACTIVE' })).status).toBe(200);
    expect((await w.device.request('PUT', path, { status: 'ACTIVE' })).status).toBe(200);
    await pendingAttempt(w.server, key.api_key);
  });
});
