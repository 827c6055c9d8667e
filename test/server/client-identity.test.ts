// Who the requester is, behind a reverse proxy (--trust-proxy): a real server on loopback that trusts 127.0.0.1 as
// its proxy, and the test speaking as that proxy. Proxies that append (nginx's $proxy_add_x_forwarded_for, HAProxy's
// forwardfor, most cloud balancers) forward "whatever-the-client-wrote, the-peer-they-saw", so the client is found
// by reading X-Forwarded-For right to left; anything left of it is the requester's own writing and never believed.
import { afterEach, describe, expect, it } from 'vitest';
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

/** The requester wrote the left entry itself; our proxy appended the address it really saw. */
const SPOOFED = '198.51.100.10, 203.0.113.66';
const xff = (value: string) => ({ headers: { 'x-forwarded-for': value } });

let w: World;
afterEach(async () => w.close());

describe('with --trust-proxy 127.0.0.1, the client is the right-most untrusted X-Forwarded-For entry', () => {
  it('gives an ip-only key no token when only the client-written entry is permitted', async () => {
    w = await world({ trustProxy: '127.0.0.1' });
    const key = await createKey(w, 'ip-only', { ips: ['198.51.100.10'] });
    const reply = await attempt(w.server, key.api_key, xff(SPOOFED));
    expect(reply.status, reply.text).toBe(401);
    expect(reply.text).not.toMatch(/session_token|"Token"/);
    // The proxy rule itself works: the address the proxy saw is the one that counts.
    await openedAttempt(w.server, key.api_key, xff('203.0.113.66, 198.51.100.10'));
  });

  it('asks the owner for a push-unless-trusted key, and the prompt shows the real client as unknown', async () => {
    w = await world({ trustProxy: '127.0.0.1' });
    const key = await createKey(w, 'push-unless-trusted', { ips: ['198.51.100.10'] });
    await pendingAttempt(w.server, key.api_key, xff(SPOOFED));
    expect((await w.stream.next('approval.requested')).request).toMatchObject({
      ip: '203.0.113.66',
      ip_known: false,
    });
  });

  it('does not call the address "known" in a push key\'s prompt', async () => {
    w = await world({ trustProxy: '127.0.0.1' });
    const key = await createKey(w, 'push', { ips: ['198.51.100.10'] });
    await pendingAttempt(w.server, key.api_key, xff(SPOOFED));
    expect((await w.stream.next('approval.requested')).request).toMatchObject({
      ip: '203.0.113.66',
      ip_known: false,
    });
  });

  it('refuses "*" as the client address with a 400, and changes nothing', async () => {
    w = await world({ trustProxy: '127.0.0.1' });
    const key = await createKey(w, 'push');
    const before = await snapshotDb(w.server);
    for (const header of ['*', '198.51.100.10, *', 'not-an-ip', '203.0.113.66,,', '999.1.1.1']) {
      const reply = await attempt(w.server, key.api_key, xff(header));
      expect(reply.status, header).toBe(400);
      expect(errorText(reply), header).toMatch(/^X-Forwarded-For: ".*" is not an IPv4 or IPv6 address\.$/);
    }
    expect(await snapshotDb(w.server)).toBe(before);
    expect(w.stream.pending()).toEqual([]);
  });

  it('"approve and trust this IP" stores the real client, never a "*" the requester wrote', async () => {
    w = await world({ trustProxy: '127.0.0.1' });
    const key = await createKey(w, 'push-unless-trusted');
    const pending = await pendingAttempt(w.server, key.api_key, xff('*, 203.0.113.66'));
    expect((await w.stream.next('approval.requested')).request.ip).toBe('203.0.113.66');
    const decided = await w.device.decide(pending.uuid, { decision: 'APPROVE', trust_ip: true });
    expect(decided.status, decided.text).toBe(200);
    const ips = (await w.device.request('GET', `/v1/user/${w.user.id}/credential-password-ip/${key.id}/ip`)).json;
    expect(ips).toMatchObject({ Response: [{ PermittedIp: { ip: '203.0.113.66', status: 'ACTIVE' } }] });
    expect(await countRows(w.server, 'permitted_ips', "ip = '*'")).toBe(0);
  });

  it('counts attempts with rotating left-most entries against the one real client: 429 within 70', async () => {
    w = await world({ trustProxy: '127.0.0.1' });
    const statuses: number[] = [];
    for (let i = 0; i < 70; i += 1) {
      const reply = await attempt(w.server, 'not-a-key', xff(`10.1.${i >> 8}.${i & 255}, 203.0.113.66`));
      statuses.push(reply.status);
    }
    expect(statuses.slice(0, 60).every((status) => status === 401)).toBe(true);
    expect(statuses.slice(60)).toEqual(Array(10).fill(429));
  });

  it('answers an IPv6 zone id with a 400 that says so, not a 500', async () => {
    w = await world({ trustProxy: '127.0.0.1' });
    const key = await createKey(w, 'push');
    for (const header of ['fe80::1%eth0', '198.51.100.10, fe80::1%25eth0']) {
      const reply = await attempt(w.server, key.api_key, xff(header));
      expect(reply.status, header).toBe(400);
      expect(errorText(reply)).toMatch(/^X-Forwarded-For: "fe80::1%(25)?eth0" carries an IPv6 zone id/);
    }
  });

  it('normalises IPv4-mapped IPv6 in any spelling to IPv4, and takes a port some balancers add', async () => {
    w = await world({ trustProxy: '127.0.0.1' });
    const key = await createKey(w, 'ip-only', { ips: ['198.51.100.10'] });
    for (const header of [
      '::ffff:198.51.100.10',
      '::FFFF:C633:640A',
      '0:0:0:0:0:ffff:c633:640a',
      '[::ffff:198.51.100.10]:4711',
      '198.51.100.10:4711',
    ]) {
      await openedAttempt(w.server, key.api_key, xff(header));
    }
  });

  it('ignores X-Forwarded-For from a peer that is not a trusted proxy', async () => {
    w = await world({ trustProxy: '127.0.0.1' });
    const ipOnly = await createKey(w, 'ip-only', { ips: ['198.51.100.10'] });
    const fromUntrusted = { localAddress: '127.0.0.2', ...xff('198.51.100.10') };
    expect((await attempt(w.server, ipOnly.api_key, fromUntrusted)).status).toBe(401);
    const push = await createKey(w, 'push');
    // Not even a bad header matters then: it is not read at all.
    await pendingAttempt(w.server, push.api_key, { localAddress: '127.0.0.2', ...xff('*') });
    expect((await w.stream.next('approval.requested')).request.ip).toBe('127.0.0.2');
  });

  it('takes a CIDR: every peer in 127.0.0.0/8 is a proxy, and a chain of them is skipped', async () => {
    w = await world({ trustProxy: '10.0.0.0/8,127.0.0.0/8' });
    const key = await createKey(w, 'push');
    await pendingAttempt(w.server, key.api_key, {
      localAddress: '127.0.0.2',
      ...xff('1.2.3.4, 203.0.113.66, 10.9.8.7'),
    });
    expect((await w.stream.next('approval.requested')).request.ip).toBe('203.0.113.66');
  });
});

describe('with a hop count (--trust-proxy N)', () => {
  it('takes the N-th entry from the right, whatever the requester put left of it', async () => {
    w = await world({ trustProxy: '2' });
    const key = await createKey(w, 'push');
    await pendingAttempt(w.server, key.api_key, xff('198.51.100.10, 203.0.113.66, 10.0.0.5'));
    expect((await w.stream.next('approval.requested')).request.ip).toBe('203.0.113.66');
    // Fewer entries than hops: the left-most one there is (the farthest address any proxy saw).
    await pendingAttempt(w.server, key.api_key, xff('203.0.113.67'));
    expect((await w.stream.next('approval.requested')).request.ip).toBe('203.0.113.67');
  });

  it('with one hop, the right-most entry is the client', async () => {
    w = await world({ trustProxy: '1' });
    const key = await createKey(w, 'ip-only', { ips: ['198.51.100.10'] });
    expect((await attempt(w.server, key.api_key, xff(SPOOFED))).status).toBe(401);
    await openedAttempt(w.server, key.api_key, xff('203.0.113.66, 198.51.100.10'));
  });
});

describe('X-Forwarded-Proto and X-Forwarded-Host (the links the server hands out)', () => {
  const invite = (options: { localAddress?: string; extraHeaders?: Record<string, string> }) =>
    w.device.request('POST', `/v1/user/${w.user.id}/pairing-code`, {}, options);
  const serverOf = (json: unknown) => new URL((json as { pairing_url: string }).pairing_url).searchParams.get('server');

  it('are believed from a trusted proxy only, the right-most value', async () => {
    w = await world({ trustProxy: '127.0.0.1' });
    const headers = { 'x-forwarded-proto': 'https', 'x-forwarded-host': 'evil.example, countersign.example.com' };
    const viaProxy = await invite({ extraHeaders: headers });
    expect(viaProxy.status, viaProxy.text).toBe(200);
    expect(serverOf(viaProxy.json)).toBe('https://countersign.example.com');
    const direct = await invite({ localAddress: '127.0.0.2', extraHeaders: headers });
    expect(serverOf(direct.json)).toBe(w.server.url);
  });

  it('refuses a bad value from the trusted proxy with a 400, before a code is made', async () => {
    w = await world({ trustProxy: '127.0.0.1' });
    const codes = await countRows(w.server, 'pairing_codes');
    const badProto = await invite({ extraHeaders: { 'x-forwarded-proto': 'javascript' } });
    expect(badProto.status).toBe(400);
    expect(errorText(badProto)).toBe('X-Forwarded-Proto: "javascript" must be http or https.');
    const badHost = await invite({ extraHeaders: { 'x-forwarded-host': 'a.example/path?x' } });
    expect(badHost.status).toBe(400);
    expect(errorText(badHost)).toBe('X-Forwarded-Host: "a.example/path?x" is not a host name or address.');
    expect(await countRows(w.server, 'pairing_codes')).toBe(codes);
  });
});

describe('IPv6 zone ids in permitted-IP input', () => {
  it('are a 400 that says so, on create and on change, not a 500', async () => {
    w = await world();
    const key = await createKey(w, 'push-unless-trusted', { ips: ['fe80::1'] });
    const base = `/v1/user/${w.user.id}/credential-password-ip/${key.id}/ip`;
    const added = await w.device.request('POST', base, { ip: 'fe80::1%eth0' });
    expect(added.status, added.text).toBe(400);
    expect(errorText(added)).toBe('ip: must not carry an IPv6 zone id ("%…"); give the address alone');
    const listed = (await w.device.request('GET', base)).json as { Response: { PermittedIp: { id: number } }[] };
    const id = listed.Response[0]!.PermittedIp.id;
    const changed = await w.device.request('PUT', `${base}/${id}`, { status: 'INACTIVE', ip: 'fe80::1%eth0' });
    expect(changed.status, changed.text).toBe(400);
    const created = await w.device.request('POST', `/v1/user/${w.user.id}/credential-password-ip`, {
      name: 'zoned',
      mode: 'ip-only',
      ips: ['fe80::1%eth0'],
    });
    expect(created.status).toBe(400);
    expect(errorText(created)).toMatch(/^ips\.0: must not carry an IPv6 zone id/);
  });

  it('"*" stays for the owner to type in the IP manager', async () => {
    w = await world();
    const key = await createKey(w, 'push-unless-trusted');
    const reply = await w.device.request('POST', `/v1/user/${w.user.id}/credential-password-ip/${key.id}/ip`, {
      ip: '*',
    });
    expect(reply.status, reply.text).toBe(200);
    await openedAttempt(w.server, key.api_key);
  });
});

describe('without --trust-proxy', () => {
  it('never reads X-Forwarded-For, not even a malformed one', async () => {
    w = await world();
    const key = await createKey(w, 'push');
    await pendingAttempt(w.server, key.api_key, xff('fe80::1%eth0'));
    expect((await w.stream.next('approval.requested')).request.ip).toBe('127.0.0.1');
    const openapi = await http(`${w.server.url}/openapi.json`, xff('*'));
    expect(openapi.status).toBe(200);
  });
});
