// Unauthenticated cost: a well-formed signature for any device id makes the server read the device and verify an
// Ed25519 signature. Failed device authentications are counted per client address like failed pairings: past the
// limit the address gets 429 with Retry-After, before any header is looked at, on HTTP calls and push upgrades
// alike; other addresses are not affected.
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { ErrorText, Header } from '../../protocol/index.js';
import { generateDeviceKeyPair, privateKeyObject, signText } from '../../protocol/crypto.js';
import { defaultConfig } from '../../server/config.js';
import type { TestDevice } from '../support/device.js';
import { snapshot, snapshotDifference } from './support/db.js';
import { type HardeningServer, startHardeningServer } from './support/server.js';
import { errorText, person, report } from './support/world.js';

const ATTACKER = '127.0.0.7';
const NEIGHBOUR = '127.0.0.8';
const limit = defaultConfig.deviceAuthFailureLimit;

let server: HardeningServer;
let alice: TestDevice;
beforeAll(async () => {
  server = await startHardeningServer();
  [alice] = (await person(server, 'alice')).devices as [TestDevice];
});
afterAll(async () => server.close());

const listPath = () => `/v1/user/${alice.userId}/approver-device`;
const seenSignatures = () => {
  const db = new Database(server.db, { readonly: true });
  try {
    return (db.prepare('SELECT COUNT(*) AS n FROM seen_signatures').get() as { n: number }).n;
  } finally {
    db.close();
  }
};

/** The push upgrade from a given source address: its HTTP status (101 when it opened). */
function upgradeStatus(device: TestDevice, localAddress: string): Promise<number> {
  const path = `/v1/approver-device/${device.id}/stream`;
  const socket = new WebSocket(`${server.url.replace(/^http/, 'ws')}${path}`, {
    headers: device.sign('GET', path, ''),
    localAddress,
  });
  return new Promise((resolve, reject) => {
    socket.once('open', () => {
      socket.close();
      resolve(101);
    });
    socket.once('unexpected-response', (_request, response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    socket.once('error', reject);
  });
}

describe('failed device authentications per address', () => {
  it(`are cut off after ${limit} per address with 429 and Retry-After; other addresses still work`, async () => {
    const forger = privateKeyObject(generateDeviceKeyPair().privateKey);
    const replayed = await alice.request('GET', listPath(), undefined, { localAddress: NEIGHBOUR });
    expect(replayed.status, replayed.text).toBe(200);
    // Three kinds of failure, each a 401: a signature by another key, an unknown device, a replay.
    const failures = [
      () => {
        const headers = alice.sign('GET', listPath(), '');
        return alice.request('GET', listPath(), undefined, {
          localAddress: ATTACKER,
          headers: { ...headers, [Header.SIGNATURE]: signText(forger, 'anything') },
        });
      },
      () =>
        alice.request('GET', listPath(), undefined, {
          localAddress: ATTACKER,
          headers: { ...alice.sign('GET', listPath(), ''), [Header.DEVICE]: '999999' },
        }),
      () => alice.request('GET', listPath(), undefined, { localAddress: ATTACKER, headers: replayed.sentHeaders }),
    ];
    const before = await snapshot(server.db);
    for (let i = 0; i < limit; i += 1) {
      const reply = await failures[i % failures.length]!();
      expect(reply.status, `failure ${i + 1}: ${reply.text}`).toBe(401);
    }

    // Past the limit even a correctly signed call from that address is refused unchecked: nothing is recorded.
    const seen = seenSignatures();
    const blocked = await alice.request('GET', listPath(), undefined, { localAddress: ATTACKER });
    expect(blocked.status, blocked.text).toBe(429);
    expect(errorText(blocked)).toBe(ErrorText.RATE_LIMITED);
    const retryAfter = Number(blocked.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(defaultConfig.deviceAuthFailureWindowMs / 1000);
    expect(await upgradeStatus(alice, ATTACKER)).toBe(429);
    expect(seenSignatures()).toBe(seen);
    expect(snapshotDifference(before, await snapshot(server.db))).toBe('');

    // The same device from another address is not affected.
    const fine = await alice.request('GET', listPath(), undefined, { localAddress: NEIGHBOUR });
    expect(fine.status, fine.text).toBe(200);
    expect(await upgradeStatus(alice, NEIGHBOUR)).toBe(101);
    report('device-auth-limit', { limit, failures_sent: limit, retry_after_seconds: retryAfter });
  });
});
