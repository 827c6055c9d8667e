// Limits and locks across instances: two approval servers on one PostgreSQL database, behind no balancer (the
// test is the balancer, spreading attempts over both). The per-address limits are counted in the database, so
// both together allow what one allows, with the same Retry-After, and a restart of both forgets nothing (failed
// device authentications: at most one more try on an instance that saw none from the address); a lock decided on A
// ends the key's sessions for B's introspection too.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorText, Header } from '../../protocol/index.js';
import { generateDeviceKeyPair, privateKeyObject, signText } from '../../protocol/crypto.js';
import { AdminCommands } from '../../server/admin/commands.js';
import { defaultConfig, type ServerConfig } from '../../server/config.js';
import { type RunningServer, startServer } from '../../server/index.js';
import { TestDevice } from '../support/device.js';
import { createTestDatabase } from '../support/postgres.js';
import { type HttpReply, http } from '../support/server.js';

const INTROSPECTION_SECRET = 'scale-out-introspection-secret';
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function database(): Promise<{ url: string; admin: AdminCommands }> {
  const db = await createTestDatabase();
  cleanups.push(db.drop);
  const admin = await AdminCommands.open(db.url);
  cleanups.push(() => admin.close());
  return { url: db.url, admin };
}

const totpKey = randomBytes(32);

async function twoInstances(url: string, config: Partial<ServerConfig> = {}): Promise<[RunningServer, RunningServer]> {
  const start = () =>
    startServer({
      db: url,
      validateReplies: true,
      port: 0,
      host: '127.0.0.1',
      config: { totpKey, introspectionSecret: INTROSPECTION_SECRET, ...config },
    });
  const [a, b] = await Promise.all([start(), start()]);
  cleanups.push(a.close, b.close);
  return [a, b];
}

function pair(server: RunningServer, code: string): Promise<HttpReply> {
  return http(`${server.url}/v1/approver-device`, {
    method: 'POST',
    body: { pairing_code: code, public_key: generateDeviceKeyPair().publicKey, name: 'guesser', platform: 'linux' },
  });
}

const openSession = (server: RunningServer, apiKey: string, localAddress?: string) =>
  http(`${server.url}/v1/session-server`, { method: 'POST', body: { secret: apiKey }, localAddress });

const introspect = (server: RunningServer, token: string) =>
  http(`${server.url}/v1/session-server/introspect`, {
    method: 'POST',
    headers: { authorization: `Bearer ${INTROSPECTION_SECRET}` },
    body: { token },
  });

function expectLimited(reply: HttpReply, windowSeconds: number): number {
  expect(reply.status, reply.text).toBe(429);
  expect((reply.json as { Error: [{ error_description: string }] }).Error[0].error_description).toBe(
    ErrorText.RATE_LIMITED,
  );
  const retryAfter = Number(reply.headers['retry-after']);
  expect(retryAfter).toBeGreaterThanOrEqual(1);
  expect(retryAfter).toBeLessThanOrEqual(windowSeconds);
  return retryAfter;
}

describe('per-address limits on two instances', () => {
  it(`failed pairings spread over both are cut off after ${defaultConfig.pairingFailureLimit}, as on one, and a restart of both keeps the count`, async () => {
    const { url, admin } = await database();
    const [a, b] = await twoInstances(url);
    const limit = defaultConfig.pairingFailureLimit;
    const statuses: number[] = [];
    for (let n = 0; n < limit + 2; n += 1)
      statuses.push((await pair(n % 2 === 0 ? a : b, 'AAAA-BBBB-CCCC-DDDD')).status);
    expect(statuses).toEqual([...Array(limit).fill(400), 429, 429]);
    const windowSeconds = defaultConfig.pairingFailureWindowMs / 1000;
    const before = expectLimited(await pair(b, 'AAAA-BBBB-CCCC-DDDD'), windowSeconds);

    await Promise.all([a.close(), b.close()]);
    const [a2, b2] = await twoInstances(url);
    await admin.createUser('alice');
    // Even the right code is refused from this address until the window ends: the count outlived both processes.
    const real = await admin.pair('alice', a2.url);
    for (const server of [a2, b2]) {
      expect(expectLimited(await pair(server, real.code), windowSeconds)).toBeLessThanOrEqual(before);
    }
  });

  it('POST /v1/session-server attempts spread over both are limited as on one, with the same Retry-After', async () => {
    const { url } = await database();
    const [a, b] = await twoInstances(url, { sessionRateLimit: 6, sessionRateWindowMs: 60_000 });
    const replies = await Promise.all(
      Array.from({ length: 10 }, (_, n) => openSession(n % 2 === 0 ? a : b, `csk_guess_${n}`, '127.0.0.3')),
    );
    const statuses = replies.map((reply) => reply.status).sort();
    expect(statuses).toEqual([...Array(6).fill(401), ...Array(4).fill(429)]);
    for (const reply of replies.filter((r) => r.status === 429)) expectLimited(reply, 60);
    // Another address is its own count.
    expect((await openSession(b, 'csk_guess', '127.0.0.4')).status).toBe(401);
  });
});

describe('failed device authentications on two instances', () => {
  it('spread over both are cut off after the limit, as on one; an instance that saw none verifies one more', async () => {
    const { url, admin } = await database();
    const limit = 4;
    const [a, b] = await twoInstances(url, { deviceAuthFailureLimit: limit });
    await admin.createUser('alice');
    const device = await TestDevice.pair(a.url, (await admin.pair('alice', a.url)).code);
    const path = `/v1/user/${device.userId}/approver-device`;
    const forger = privateKeyObject(generateDeviceKeyPair().privateKey);
    const call = async (server: RunningServer, localAddress: string, signature: 'forged' | 'good') => {
      const headers = device.sign('GET', path, '');
      if (signature === 'forged') headers[Header.SIGNATURE] = signText(forger, 'anything');
      return http(`${server.url}${path}`, { headers, localAddress });
    };

    const spread: number[] = [];
    for (let n = 0; n < limit + 2; n += 1) spread.push((await call(n % 2 === 0 ? a : b, '127.0.0.5', 'forged')).status);
    expect(spread).toEqual([...Array(limit).fill(401), 429, 429]);

    // All on A: B has seen no failure from the address, so it does not read the shared count for its first call —
    // a read of the database would cost more than the one verification — and counts that failure, then refuses.
    const onA: number[] = [];
    for (let n = 0; n < limit + 1; n += 1) onA.push((await call(a, '127.0.0.6', 'forged')).status);
    expect(onA).toEqual([...Array(limit).fill(401), 429]);
    expect((await call(b, '127.0.0.6', 'forged')).status).toBe(401);
    expectLimited(await call(b, '127.0.0.6', 'good'), defaultConfig.deviceAuthFailureWindowMs / 1000);
    expectLimited(await call(a, '127.0.0.6', 'good'), defaultConfig.deviceAuthFailureWindowMs / 1000);

    // Another address is its own count, on both.
    for (const server of [a, b]) expect((await call(server, '127.0.0.7', 'good')).status).toBe(200);
  });
});

describe('a lock on two instances', () => {
  it('decided on A, ends the sessions that B then introspects as {active:false}', async () => {
    const { url, admin } = await database();
    const [a, b] = await twoInstances(url);
    await admin.createUser('alice');
    // Opens at once from 127.0.0.1; from any other address it asks the owner.
    const key = await admin.createKey({
      user: 'alice',
      name: 'exporter',
      mode: 'push-unless-trusted',
      ips: ['127.0.0.1'],
    });
    const tokens: string[] = [];
    for (const server of [b, a, b]) {
      const opened = await openSession(server, key.api_key);
      expect(opened.status, opened.text).toBe(200);
      tokens.push((opened.json as { Response: [unknown, { Token: { token: string } }] }).Response[1].Token.token);
    }
    for (const token of tokens) expect((await introspect(b, token)).json).toMatchObject({ active: true });

    const laptop = await TestDevice.pair(a.url, (await admin.pair('alice', a.url)).code, 'laptop');
    const desktop = await TestDevice.pair(b.url, (await admin.pair('alice', b.url)).code, 'desktop');
    const stream = await desktop.connect();
    cleanups.push(() => stream.close());
    await stream.next('hello');
    for (let n = 0; n < 3; n += 1) {
      const pending = await openSession(b, key.api_key, '127.0.0.2');
      expect(pending.status, pending.text).toBe(202);
      const { uuid } = (pending.json as { Response: [{ SessionServerRequest: { uuid: string } }] }).Response[0]
        .SessionServerRequest;
      expect((await laptop.decide(uuid, { decision: 'BLOCK' })).status).toBe(200);
    }
    // The desktop on B hears it, with the count.
    expect(await stream.next('credential.locked')).toMatchObject({
      credential: { id: key.id, name: 'exporter' },
      sessions_ended: 3,
      reason: expect.stringContaining('3 sessions ended'),
    });
    for (const token of tokens) expect((await introspect(b, token)).json).toEqual({ active: false });
  });
});
