// What the owner is told about a request, fact apart from claim: the address as the server saw it (reached through
// a trusted proxy on loopback, so that real public addresses can be used), looked up in the GeoIP and ASN databases
// the server ships (the npm packages, read once at start); what the program claims about itself; what changed since
// the key's last approved session; identical attempts merged; whether an approver is online. A database that is
// missing or corrupt does not stop the server: its lookups say "unavailable".
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SessionRequestHistory } from '../../protocol/index.js';
import { startServerProcess, type TestServerOptions, tempDir } from '../support/server.js';
import { attempt, createKey, pendingAttempt, readStatusOk, type World, world } from './helpers.js';

let w: World | null = null;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  await w?.close();
  w = null;
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A server behind a proxy on 127.0.0.1 (the test), with the installed databases unless told otherwise. */
async function behindProxy(geoip: TestServerOptions['geoip'] = 'installed'): Promise<World> {
  w = await world({ trustProxy: '127.0.0.1', geoip });
  return w;
}

/** A request as coming from `from` through the proxy, with the program's own headers. */
function from(ip: string, headers: Record<string, string> = {}, description?: string) {
  return { headers: { 'x-forwarded-for': ip, 'user-agent': 'nightly-export/1.0', ...headers }, description };
}

describe('seen by the server', () => {
  it('8.8.8.8 is Google in the US: country, city, AS number and name, apart from what the program claims', async () => {
    const w = await behindProxy();
    const key = await createKey(w, 'push');
    await pendingAttempt(w.server, key.api_key, from('8.8.8.8', {}, 'Nightly backup'));
    const { request } = await w.stream.next('approval.requested');
    expect(request.observed).toEqual({
      ip: '8.8.8.8',
      kind: 'public',
      country: 'US',
      region: expect.any(String),
      city: expect.any(String),
      latitude: expect.any(Number),
      longitude: expect.any(Number),
      asn: 15169,
      asn_name: 'Google LLC',
      network: 'AS15169 Google LLC',
      lookup: 'found',
    });
    expect(request.claimed).toEqual({
      description: 'Nightly backup',
      user_agent: 'nightly-export/1.0',
      geolocation: null,
      far_from_observed: false,
      distance_km: null,
    });
    // The fields devices read before `claimed` existed carry the same claims.
    expect(request).toMatchObject({ description: 'Nightly backup', user_agent: 'nightly-export/1.0', ip: '8.8.8.8' });
  });

  it('IPv6 too: 2001:4860:4860::8888 is AS15169', async () => {
    const w = await behindProxy();
    const key = await createKey(w, 'push');
    await pendingAttempt(w.server, key.api_key, from('2001:4860:4860::8888'));
    const { observed } = (await w.stream.next('approval.requested')).request;
    expect(observed).toMatchObject({ kind: 'public', asn: 15169, asn_name: 'Google LLC', lookup: 'found' });
    expect(observed?.country).toMatch(/^[A-Z]{2}$/);
  });

  it('private, loopback, link-local and special-purpose addresses are said as such, never looked up', async () => {
    const w = await behindProxy();
    const cases = [
      ['10.1.2.3', 'private'],
      ['192.168.0.7', 'private'],
      ['fd00::7', 'private'],
      ['169.254.10.1', 'link-local'],
      ['fe80::1', 'link-local'],
      ['192.0.2.10', 'unknown'],
      ['127.0.0.1', 'loopback'],
    ] as const;
    for (const [ip, kind] of cases) {
      const key = await createKey(w, 'push', { name: `key for ${ip}` });
      await pendingAttempt(w.server, key.api_key, from(ip));
      const { observed } = (await w.stream.next('approval.requested')).request;
      expect(observed, ip).toMatchObject({ ip, kind, country: null, city: null, asn: null, lookup: 'not-applicable' });
    }
  });

  it('history rows carry the same observed fields, stored when the request came in', async () => {
    const w = await behindProxy();
    const key = await createKey(w, 'push');
    const pending = await pendingAttempt(w.server, key.api_key, from('8.8.8.8'));
    const { request } = await w.stream.next('approval.requested');
    const reply = await w.device.request('GET', `/v1/user/${w.user.id}/session-server-request`);
    const [entry] = SessionRequestHistory.parse(reply.json).Response;
    expect(entry?.SessionServerRequest).toMatchObject({
      uuid: pending.uuid,
      observed: request.observed,
      repeat_count: 1,
    });
  });
});

describe('claimed by the program', () => {
  it('flags a claimed location in another country, thousands of km from the address', async () => {
    const w = await behindProxy();
    const key = await createKey(w, 'push');
    await pendingAttempt(w.server, key.api_key, from('8.8.8.8', { 'x-bunq-geolocation': '4.89 52.37 0 100 NL' }));
    const { request } = await w.stream.next('approval.requested');
    expect(request.claimed).toMatchObject({
      geolocation: { longitude: 4.89, latitude: 52.37, country: 'NL' },
      far_from_observed: true,
    });
    expect(request.claimed?.distance_km).toBeGreaterThan(5000);
    expect(request.geolocation).toEqual(request.claimed?.geolocation);
  });

  it('does not flag a claim near the observed place', async () => {
    const w = await behindProxy();
    const key = await createKey(w, 'push');
    await pendingAttempt(w.server, key.api_key, from('8.8.8.8'));
    const { observed } = (await w.stream.next('approval.requested')).request;
    const near = `${observed!.longitude! + 0.5} ${observed!.latitude!} 0 100 US`;
    await pendingAttempt(w.server, key.api_key, from('8.8.8.8', { 'x-bunq-geolocation': near }, 'near'));
    const { claimed } = (await w.stream.next('approval.requested')).request;
    expect(claimed).toMatchObject({ far_from_observed: false });
    expect(claimed?.distance_km).toBeLessThan(100);
  });
});

describe('what changed since the last approved session', () => {
  it('a first request says so; later ones name the new country, network and User-Agent', async () => {
    const w = await behindProxy();
    const key = await createKey(w, 'push');
    const first = await pendingAttempt(w.server, key.api_key, from('8.8.8.8', { 'user-agent': 'backup/1' }));
    expect((await w.stream.next('approval.requested')).request.changes).toEqual([
      { kind: 'first-session', previous: null, current: null },
    ]);
    await w.device.decide(first.uuid, { decision: 'APPROVE' });

    await pendingAttempt(w.server, key.api_key, from('8.8.4.4', { 'user-agent': 'backup/1' }));
    expect((await w.stream.next('approval.requested')).request.changes).toEqual([]);

    await pendingAttempt(w.server, key.api_key, from('81.2.69.142', { 'user-agent': 'curl/8.5' }));
    const { request } = await w.stream.next('approval.requested');
    expect(request.observed).toMatchObject({ country: 'GB', asn: 20712 });
    expect(request.changes).toEqual([
      { kind: 'new-country', previous: 'US', current: 'GB' },
      { kind: 'new-network', previous: 'AS15169 Google LLC', current: `AS20712 ${request.observed?.asn_name}` },
      { kind: 'new-user-agent', previous: 'backup/1', current: 'curl/8.5' },
    ]);
  });
});

describe('fatigue', () => {
  it('identical attempts merge into one request with a count: same uuid and code, no pending slots used', async () => {
    const w = await behindProxy('off');
    const key = await createKey(w, 'push', { codeLength: 3 });
    const same = from('203.0.113.9', {}, 'nightly');
    const first = await pendingAttempt(w.server, key.api_key, same);
    expect((await w.stream.next('approval.requested')).request.repeat_count).toBe(1);
    for (let n = 2; n <= 5; n += 1) {
      const again = await pendingAttempt(w.server, key.api_key, same);
      expect(again).toMatchObject({ uuid: first.uuid, binding_code: first.binding_code, repeat_count: n });
      expect((await w.stream.next('approval.requested')).request).toMatchObject({ uuid: first.uuid, repeat_count: n });
    }
    // Not identical: another description, another address — each its own request, and the third pending slot is
    // the last; another User-Agent would be a fourth request, past the limit.
    const others = [from('203.0.113.9', {}, 'weekly'), from('203.0.113.10', {}, 'nightly')];
    const uuids = [];
    for (const other of others) uuids.push((await pendingAttempt(w.server, key.api_key, other)).uuid);
    expect(new Set([first.uuid, ...uuids]).size).toBe(3);
    expect(
      (await attempt(w.server, key.api_key, from('203.0.113.9', { 'user-agent': 'other/2' }, 'nightly'))).status,
    ).toBe(429);
    // The merged one still merges with the pending slots full.
    expect((await pendingAttempt(w.server, key.api_key, same)).repeat_count).toBe(6);
    const history = SessionRequestHistory.parse(
      (await w.device.request('GET', `/v1/user/${w.user.id}/session-server-request`)).json,
    ).Response.map((e) => e.SessionServerRequest);
    expect(history.find((e) => e.uuid === first.uuid)?.repeat_count).toBe(6);
  });

  it('the status read says whether an approver device of the owner is online', async () => {
    const w = await behindProxy('off');
    const key = await createKey(w, 'push');
    const pending = await pendingAttempt(w.server, key.api_key);
    expect(pending.approver_online).toBe(true);
    await w.stream.close();
    const status = async () =>
      (await readStatusOk(w.server, pending.uuid, key.api_key)).Response[0].SessionServerRequest.approver_online;
    await expect.poll(status, { timeout: 5000 }).toBe(false);
    const again = await w.device.connect();
    await again.next('hello');
    await expect.poll(status, { timeout: 5000 }).toBe(true);
    await again.close();
  });
});

describe('databases missing or corrupt', () => {
  it('a missing database: the server starts, says so, and lookups say "unavailable"', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const w = await behindProxy({ city: join(dir.path, 'no-city'), asn: join(dir.path, 'no-asn') });
    const key = await createKey(w, 'push');
    await pendingAttempt(w.server, key.api_key, from('8.8.8.8'));
    expect((await w.stream.next('approval.requested')).request.observed).toMatchObject({
      ip: '8.8.8.8',
      kind: 'public',
      country: null,
      asn: null,
      network: null,
      lookup: 'unavailable',
    });
  });

  it('a corrupt database is refused whole at start (the server runs); an ASN table of one range answers for it only', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const city = join(dir.path, 'city');
    const asn = join(dir.path, 'asn');
    await mkdir(city);
    await mkdir(asn);
    await writeFile(join(city, 'dbip-city-ipv4.mmdb'), 'this is not a MaxMind database');
    await writeFile(join(city, 'dbip-city-ipv6.mmdb'), 'nor this');
    await writeFile(join(asn, 'asn-ipv4.csv'), '8.8.8.0,8.8.8.255,15169,Google LLC\n');
    await writeFile(
      join(asn, 'asn-ipv6.csv'),
      '2001:4860::,2001:4860:ffff:ffff:ffff:ffff:ffff:ffff,15169,Google LLC\n',
    );
    const w = await behindProxy({ city, asn });
    const key = await createKey(w, 'push');
    await pendingAttempt(w.server, key.api_key, from('8.8.8.8', {}, 'a'));
    expect((await w.stream.next('approval.requested')).request.observed).toMatchObject({
      country: null,
      asn: 15169,
      lookup: 'found',
    });
    await pendingAttempt(w.server, key.api_key, from('1.1.1.1', {}, 'b'));
    expect((await w.stream.next('approval.requested')).request.observed).toMatchObject({
      kind: 'public',
      asn: null,
      lookup: 'not-found',
    });
  });

  it('countersign-server names a missing or corrupt database in its startup line', async () => {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    const asn = join(dir.path, 'asn');
    await mkdir(asn);
    await writeFile(join(asn, 'asn-ipv4.csv'), '8.8.8.0,8.8.8.255,15169,Google LLC\n1.0.0.0,1.0.0.255,13335,x\n');
    await writeFile(join(asn, 'asn-ipv6.csv'), '');
    const server = await startServerProcess({
      db: join(dir.path, 'countersign.db'),
      geoip: true,
      extraArgs: ['--geoip-city', join(dir.path, 'nowhere'), '--geoip-asn', asn],
    });
    cleanups.push(() => server.stop());
    expect(server.startupLine).toMatch(
      /GeoIP: city database missing \(.*nowhere\/dbip-city-ipv4\.mmdb\); ASN database unreadable \(.*asn-ipv4\.csv: line 2 is out of order\) — lookups that need it say "unavailable"/,
    );
  });
});
