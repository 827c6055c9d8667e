// The per-address limits against a real server (SQLite: counted in memory; the server-postgres project: counted in
// the database): an IPv6 client counts by its /64 for every limit, and refused TOTP codes count per key named, so
// that guesses with unknown keys from a shared address do not lock out a requester there whose key is real.
// Addresses come from X-Forwarded-For (one entry, the server trusting its loopback peer as the proxy), as a
// requester behind a proxy would reach the server.
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorText } from '../../protocol/index.js';
import { generateDeviceKeyPair } from '../../protocol/crypto.js';
import { totpCode } from '../../protocol/totp.js';
import { base32Decode } from '../../protocol/totp.js';
import { defaultConfig } from '../../server/config.js';
import { type HttpReply, http } from '../support/server.js';
import { errorText, eventually, type World, world } from './helpers.js';

let w: World;
afterEach(async () => w.close());

const CODE_LIMIT = defaultConfig.codeFailureLimit;
const PAIRING_LIMIT = defaultConfig.pairingFailureLimit;

function withCode(apiKey: string, totp: string, from: string): Promise<HttpReply> {
  return http(`${w.server.url}/v1/session-server`, {
    method: 'POST',
    body: { secret: apiKey, totp },
    headers: { 'x-forwarded-for': from },
  });
}

function pair(code: string, from: string): Promise<HttpReply> {
  return http(`${w.server.url}/v1/approver-device`, {
    method: 'POST',
    body: { pairing_code: code, public_key: generateDeviceKeyPair().publicKey, name: 'guesser', platform: 'linux' },
    headers: { 'x-forwarded-for': from },
  });
}

/** The n-th address of one /64: only the last 64 bits change. */
const inOne64 = (n: number) =>
  `2001:db8:1:2:${((n * 7919) & 0xffff).toString(16)}:${n.toString(16)}:abcd:${(n + 1).toString(16)}`;

function expectLimited(reply: HttpReply): void {
  expect(reply.status, reply.text).toBe(429);
  expect(errorText(reply)).toBe(ErrorText.RATE_LIMITED);
  expect(Number(reply.headers['retry-after'])).toBeGreaterThanOrEqual(1);
}

describe('per-address limits', () => {
  it(`refused codes: a client rotating inside one IPv6 /64 is cut off after ${CODE_LIMIT}, as one address is`, async () => {
    w = await world({ trustProxy: '127.0.0.1' });
    const statuses: number[] = [];
    for (let n = 1; n <= CODE_LIMIT + 3; n += 1)
      statuses.push((await withCode('csk_guess', '123456', inOne64(n))).status);
    expect(statuses).toEqual([...Array(CODE_LIMIT).fill(401), 429, 429, 429]);
    expectLimited(await withCode('csk_guess', '123456', '2001:db8:1:2::1'));
    // The next /64 is another client.
    expect((await withCode('csk_guess', '123456', '2001:db8:1:3::1')).status).toBe(401);
  });

  it(`failed pairings: a client rotating inside one IPv6 /64 is cut off after ${PAIRING_LIMIT}`, async () => {
    w = await world({ trustProxy: '127.0.0.1' });
    const statuses: number[] = [];
    for (let n = 1; n <= PAIRING_LIMIT + 2; n += 1) {
      statuses.push((await pair('AAAA-BBBB-CCCC-DDDD', inOne64(n))).status);
    }
    expect(statuses).toEqual([...Array(PAIRING_LIMIT).fill(400), 429, 429]);
    const real = await w.server.admin.pair(w.user.name);
    expectLimited(await pair(real.code, inOne64(99)));
    expect((await pair(real.code, '2001:db8:1:3::1')).status).toBe(200);
  });

  it('a requester with a real key still opens a session by code from an address where others guessed with unknown keys', async () => {
    w = await world({ trustProxy: '127.0.0.1' });
    const key = await w.server.admin.createKey({
      user: w.user.name,
      name: 'nightly',
      mode: 'push',
      codeFallback: true,
    });
    const shared = '198.51.100.20';
    for (let n = 0; n < CODE_LIMIT; n += 1)
      expect((await withCode(`csk_unknown_${n}`, '123456', shared)).status).toBe(401);
    // The guessers are cut off …
    expectLimited(await withCode('csk_unknown_more', '123456', shared));
    // … the owner's program is not: its key is real, so it counts apart.
    await eventually(async () => (Date.now() % 30_000 < 25_000 ? true : undefined), 10_000);
    const code = totpCode(base32Decode(w.device.totpSecret), Date.now());
    const opened = await withCode(key.api_key, code, shared);
    expect(opened.status, opened.text).toBe(200);
  });
});
