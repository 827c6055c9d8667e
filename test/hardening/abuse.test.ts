// Abuse: flooding one key with prompts (429 after 3 pending, a lock after 3 blocks and the owner told why),
// guessing pairing codes (limited per IP) and hammering POST /v1/session-server (limited per IP).
import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorText, Limits } from '../../protocol/index.js';
import { generateDeviceKeyPair } from '../../protocol/crypto.js';
import { defaultConfig } from '../../server/config.js';
import { rateLimitKey } from '../../server/limits/rate-limiter.js';
import type { TestDevice } from '../support/device.js';
import { KeepAliveClient, type RawReply } from './support/client.js';
import { snapshot, snapshotDifference } from './support/db.js';
import { type HardeningServer, startHardeningServer } from './support/server.js';
import { attempt, errorText, person, pushKey, readRequest, report } from './support/world.js';

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function server(config: Parameters<typeof startHardeningServer>[0] = {}): Promise<HardeningServer> {
  const started = await startHardeningServer(config);
  cleanups.push(() => started.close());
  return started;
}

function client(s: HardeningServer): KeepAliveClient {
  const c = new KeepAliveClient(s.url, 16);
  cleanups.push(() => c.close());
  return c;
}

function sessionAttempt(apiKey: string, localAddress?: string, description?: string) {
  return {
    method: 'POST',
    path: '/v1/session-server',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(description === undefined ? { secret: apiKey } : { secret: apiKey, description }),
    localAddress,
  };
}

function statuses(replies: RawReply[]): Record<number, number> {
  const counts: Record<number, number> = {};
  for (const reply of replies) counts[reply.status] = (counts[reply.status] ?? 0) + 1;
  return counts;
}

function expectRateLimited(reply: RawReply, text: string = ErrorText.RATE_LIMITED): void {
  expect(reply.status, reply.text).toBe(429);
  expect(errorText(reply)).toBe(text);
  expect(Number(reply.headers['retry-after'])).toBeGreaterThanOrEqual(1);
}

describe('prompt flooding on one key', () => {
  it('20 identical attempts at once: one request with a count, one card for the owner', async () => {
    const s = await server();
    const [device] = (await person(s, 'alice')).devices as [TestDevice];
    const stream = await device.connect();
    await stream.next('hello');
    cleanups.push(() => stream.close());
    const key = await pushKey(s, 'alice');
    const replies = await client(s).sendAll(
      Array.from({ length: 20 }, () => sessionAttempt(key.api_key)),
      20,
    );
    expect(statuses(replies)).toEqual({ 202: 20 });
    const requests = replies.map(
      (r) => (r.json as { Response: [{ SessionServerRequest: { uuid: string } }] }).Response[0].SessionServerRequest,
    );
    expect(new Set(requests.map((r) => r.uuid)).size).toBe(1);
    await expect
      .poll(() => stream.received.filter((m) => m.type === 'approval.requested').length, { timeout: 10_000 })
      .toBe(20);
    const counts = stream.received.flatMap((m) => (m.type === 'approval.requested' ? [m.request.repeat_count] : []));
    expect(Math.max(...(counts as number[]))).toBe(20);
    expect(new Set(stream.received.flatMap((m) => (m.type === 'approval.requested' ? [m.request.uuid] : [])))).toEqual(
      new Set([requests[0]!.uuid]),
    );
    report('prompt-flood-identical', { attempts: 20, statuses: statuses(replies) });
  });

  it('20 different attempts at once: exactly 3 reach the owner, the rest get 429 with Retry-After', async () => {
    const s = await server();
    const [device] = (await person(s, 'alice')).devices as [TestDevice];
    const stream = await device.connect();
    await stream.next('hello');
    cleanups.push(() => stream.close());
    const key = await pushKey(s, 'alice');
    const replies = await client(s).sendAll(
      Array.from({ length: 20 }, (_, n) => sessionAttempt(key.api_key, undefined, `job ${n}`)),
      20,
    );
    expect(statuses(replies)).toEqual({ 202: Limits.MAX_PENDING_PER_KEY, 429: 20 - Limits.MAX_PENDING_PER_KEY });
    for (const reply of replies.filter((r) => r.status === 429)) expectRateLimited(reply, ErrorText.TOO_MANY_PENDING);
    for (let i = 0; i < Limits.MAX_PENDING_PER_KEY; i++) await stream.next('approval.requested');
    // The device was asked three times, not twenty.
    await stream.close();
    expect(stream.received.filter((m) => m.type === 'approval.requested')).toHaveLength(Limits.MAX_PENDING_PER_KEY);
    report('prompt-flood', { attempts: 20, statuses: statuses(replies) });
  });

  it('three blocks lock the key: the owner is told why, the key opens nothing, its pending requests end', async () => {
    const s = await server();
    const [device, other] = (await person(s, 'alice', 2)).devices as [TestDevice, TestDevice];
    const streams = [await device.connect(), await other.connect()];
    for (const stream of streams) {
      await stream.next('hello');
      cleanups.push(() => stream.close());
    }
    const key = await pushKey(s, 'alice', 'flooded key');
    const uuids: string[] = [];
    for (let round = 0; round < Limits.LOCK_AFTER_BLOCKS; round++) {
      const reply = await attempt(s, key.api_key);
      expect(reply.status).toBe(202);
      uuids.push((await streams[0]!.next('approval.requested')).request.uuid);
    }
    expect((await device.decide(uuids[0]!, { decision: 'BLOCK' })).status).toBe(200);
    // A request still waiting when the lock comes must not stay answerable.
    const waiting = await attempt(s, key.api_key);
    expect(waiting.status, waiting.text).toBe(202);
    const waitingUuid = (await streams[0]!.next('approval.requested')).request.uuid;
    for (const uuid of uuids.slice(1)) expect((await device.decide(uuid, { decision: 'BLOCK' })).status).toBe(200);
    const read = await readRequest(s, waitingUuid, key.api_key);
    expect(read[0].SessionServerRequest).toMatchObject({ status: 'REJECTED', token_delivered: false });
    expect((await device.decide(waitingUuid, { decision: 'APPROVE' })).status).toBe(409);
    for (const stream of streams) {
      const locked = await stream.next('credential.locked');
      expect(locked.credential).toEqual({ id: key.id, name: 'flooded key' });
      expect(locked.reason).toBe(
        'Locked after 3 blocked session requests within 10 minutes; 0 sessions ended. Set it ACTIVE again to unlock it.',
      );
      expect(locked.sessions_ended).toBe(0);
    }
    const after = await attempt(s, key.api_key);
    expect(after.status).toBe(401);
    expect(errorText(after)).toBe(ErrorText.BAD_CREDENTIALS);
    const list = await device.request('GET', `/v1/user/${device.userId}/credential-password-ip/${key.id}`);
    expect((list.json as { Response: [{ CredentialPasswordIp: { status: string } }] }).Response[0]).toMatchObject({
      CredentialPasswordIp: { status: 'LOCKED' },
    });
    // Told once, not once per block.
    for (const stream of streams) expect(stream.received.filter((m) => m.type === 'credential.locked')).toHaveLength(1);
  });
});

describe('pairing-code guessing', () => {
  const guess = fc.stringMatching(/^[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}-[A-HJ-NP-Z2-9]{4}$/);

  function pairingBody(code: string) {
    const { publicKey } = generateDeviceKeyPair();
    return JSON.stringify({ pairing_code: code, public_key: publicKey, name: 'guesser', platform: 'linux' });
  }

  it(`is cut off after ${defaultConfig.pairingFailureLimit} wrong codes per IP, even when sent all at once`, async () => {
    const s = await server();
    await s.admin.createUser('alice');
    const real = await s.admin.pair('alice', s.url);
    const before = await snapshot(s.db);
    const guesses = fc.sample(guess, { numRuns: 50, seed: 6 });
    const replies = await client(s).sendAll(
      guesses.map((code) => ({
        method: 'POST',
        path: '/v1/approver-device',
        headers: { 'content-type': 'application/json' },
        body: pairingBody(code),
        localAddress: '127.0.0.5',
      })),
      50,
    );
    const counted = statuses(replies);
    // Each guess that was checked at all got 400; everything past the limit got 429 without being checked.
    expect(counted[400]).toBeLessThanOrEqual(defaultConfig.pairingFailureLimit);
    expect((counted[400] ?? 0) + (counted[429] ?? 0)).toBe(guesses.length);
    for (const reply of replies.filter((r) => r.status === 429)) expectRateLimited(reply);
    expect(snapshotDifference(before, await snapshot(s.db))).toBe('');

    // The right code from the same address is refused too while the limit holds; from another address it pairs.
    const blocked = await client(s).send({
      method: 'POST',
      path: '/v1/approver-device',
      headers: { 'content-type': 'application/json' },
      body: pairingBody(real.code),
      localAddress: '127.0.0.5',
    });
    expectRateLimited(blocked);
    const paired = await client(s).send({
      method: 'POST',
      path: '/v1/approver-device',
      headers: { 'content-type': 'application/json' },
      body: pairingBody(real.code),
      localAddress: '127.0.0.6',
    });
    expect(paired.status, paired.text).toBe(200);
    report('pairing-guessing', {
      guesses: guesses.length,
      statuses: counted,
      limit: defaultConfig.pairingFailureLimit,
    });
  });
});

describe('session-server hammering', () => {
  const limit = defaultConfig.sessionRateLimit;

  it(`allows ${limit} attempts per minute from one IP, then 429 with Retry-After; other IPs are not affected`, async () => {
    const s = await server();
    await s.admin.createUser('alice');
    const key = await s.admin.createKey({ user: 'alice', name: 'ip-only', mode: 'ip-only', ips: ['*'] });
    const c = client(s);
    // Hammering with a working key (every attempt would open a session) and with unknown keys, all at once.
    const replies = await c.sendAll(
      Array.from({ length: limit + 40 }, (_, i) =>
        sessionAttempt(i % 2 === 0 ? key.api_key : `csk_guess_${i}`, '127.0.0.9'),
      ),
      32,
    );
    const counted = statuses(replies);
    expect((counted[200] ?? 0) + (counted[401] ?? 0)).toBe(limit);
    expect(counted[429]).toBe(40);
    for (const reply of replies.filter((r) => r.status === 429)) expectRateLimited(reply);
    const retryAfter = Number(replies.find((r) => r.status === 429)!.headers['retry-after']);
    expect(retryAfter).toBeLessThanOrEqual(defaultConfig.sessionRateWindowMs / 1000);
    // Garbage counts as well: the limit is checked before the body is read.
    expectRateLimited(await c.send({ ...sessionAttempt(key.api_key, '127.0.0.9'), body: '{"secret":' }));
    // Another client is served; polling a request is not limited.
    expect((await c.send(sessionAttempt(key.api_key, '127.0.0.10'))).status).toBe(200);
    const poll = await c.send({
      method: 'GET',
      path: '/v1/session-server-request/00000000-0000-4000-8000-000000000000',
      headers: { 'x-bunq-client-authentication': key.api_key },
      localAddress: '127.0.0.9',
    });
    expect(poll.status).toBe(404);
    report('session-server-hammering', {
      limit_per_ip: limit,
      window_seconds: defaultConfig.sessionRateWindowMs / 1000,
      attempts: replies.length,
      statuses: counted,
      retry_after: retryAfter,
    });
  });

  it('lets the address in again once its window has passed', async () => {
    const s = await server({ sessionRateLimit: 3, sessionRateWindowMs: 1_000 });
    const c = client(s);
    const replies = await c.sendAll(
      Array.from({ length: 5 }, () => sessionAttempt('csk_unknown', '127.0.0.11')),
      1,
    );
    expect(replies.map((r) => r.status)).toEqual([401, 401, 401, 429, 429]);
    const deadline = Date.now() + 10_000;
    let reply = replies[4]!;
    while (reply.status === 429 && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 100));
      reply = await c.send(sessionAttempt('csk_unknown', '127.0.0.11'));
    }
    expect(reply.status).toBe(401);
  });

  it('counts an IPv6 client by its /64, so changing the last 64 bits does not escape the limit', () => {
    expect(rateLimitKey('2001:db8:1:2::1')).toBe(rateLimitKey('2001:db8:1:2:ffff:eeee:dddd:cccc'));
    expect(rateLimitKey('2001:db8:1:2::1')).not.toBe(rateLimitKey('2001:db8:1:3::1'));
    expect(rateLimitKey('::1')).toBe('0:0:0:0::/64');
    expect(rateLimitKey('10.1.2.3')).toBe('10.1.2.3');
  });
});
