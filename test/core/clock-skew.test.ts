// A desktop whose clock is off by minutes against a REAL server: the server refuses device signatures more than
// 60 s off its clock, so the core must sign with the server's clock (learned from the replies' Date header and the
// stream's hello) and count request expiry on it too. The skew is a clock injected into the core.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { openSession } from '../../client/index.js';
import type { ApproverCore } from '../../main/core/api.js';
import { type ApproverCoreOptions, createApproverCore, keytarVault } from '../../main/core/index.js';
import { ServerClock } from '../../main/core/server-clock.js';
import { waitConnected, waitFor } from '../support/core.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { describeWithKeychain } from './keychain-session.js';

const MINUTES = 60_000;
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** A real core whose clock reads `skewMs` off the real time. */
async function skewedCore(skewMs: number, extra: Partial<ApproverCoreOptions> = {}): Promise<ApproverCore> {
  const dataDir = await mkdtemp(join(tmpdir(), 'countersign-skew-'));
  const service = `Countersign-skew-${randomUUID()}`;
  const vault = keytarVault();
  const core = createApproverCore({
    dataDir,
    vault,
    keychainService: service,
    clock: { now: () => Date.now() + skewMs },
    deviceName: 'skewed desktop',
    platform: 'linux',
    backoff: { baseMs: 100, capMs: 1000 },
    ...extra,
  });
  await core.start();
  cleanups.push(async () => {
    await core.stop();
    for (const entry of await vault.findCredentials(service)) await vault.deletePassword(service, entry.account);
    await rm(dataDir, { recursive: true, force: true });
  });
  return core;
}

async function aServer(): Promise<TestServer> {
  const server = await startTestServer();
  cleanups.push(() => server.close());
  await server.admin.createUser('alice');
  return server;
}

describeWithKeychain('a desktop clock off by minutes', () => {
  it.each([
    ['5 minutes behind', -5 * MINUTES],
    ['7 minutes ahead', 7 * MINUTES],
  ])('%s: connects, manages keys, sees and approves a request before its real expiry', async (_name, skew) => {
    const server = await aServer();
    const core = await skewedCore(skew);
    const paired = await core.pair({ link: (await server.admin.pair('alice')).pairing_url });
    expect(paired.ok).toBe(true);
    const account = await waitConnected(core, paired.ok ? paired.value.id : '');

    // A signed management call goes through (directly, or after one retry with the corrected clock).
    const created = await core.createKey(account.id, { name: 'deploy bot', mode: 'push', code_length: 0 });
    expect(created).toMatchObject({ ok: true, value: { name: 'deploy bot' } });
    const apiKey = created.ok ? created.value.token_value : null;

    const session = openSession({ server: server.url, apiKey: apiKey!, description: 'skewed', timeoutSeconds: 60 });
    session.catch(() => {});
    const pending = await waitFor('the request to arrive', () => core.pending()[0]);
    // Its expiry on the desktop's clock: the server's expiry_time moved by the skew, so a countdown is right.
    const expiresAt = Date.parse(pending.expiresAt);
    expect(Math.abs(expiresAt - (Date.parse(pending.request.expiry_time) + skew))).toBeLessThan(3_000);

    const decided = await core.decide(account.id, pending.request.uuid, { decision: 'APPROVE' });
    expect(decided).toEqual({ ok: true, value: { outcome: 'decided', status: 'ACCEPTED', bindingMismatch: false } });
    expect(await session).toMatchObject({ status: 'ACCEPTED' });
  });

  it('a signed call refused for its timestamp is signed again with the clock its reply told (no stream needed)', async () => {
    const server = await aServer();
    // No push stream at all (its hello would tell the clock first): only the HTTP reply can.
    class NoStream {
      constructor() {
        throw new Error('no stream in this test');
      }
    }
    const core = await skewedCore(-4 * MINUTES, { WebSocket: NoStream as unknown as ApproverCoreOptions['WebSocket'] });
    const paired = await core.pair({ link: (await server.admin.pair('alice')).pairing_url });
    expect(paired.ok).toBe(true);
    const accountId = paired.ok ? paired.value.id : '';
    expect(await core.createKey(accountId, { name: 'first', mode: 'push' })).toMatchObject({ ok: true });
    expect(await core.listKeys(accountId)).toMatchObject({ ok: true, value: [{ name: 'first' }] });
  });
});

it('ServerClock: adopts a Date header only when it disagrees by more than its own resolution', () => {
  let local = Date.parse('2026-11-23T10:00:00.000Z');
  const clock = new ServerClock({ now: () => local });
  expect(clock.observeDateHeader('Mon, 23 Nov 2026 10:00:01 GMT')).toBe(0);
  expect(clock.observeDateHeader(null)).toBe(0);
  expect(clock.observeDateHeader('not a date')).toBe(0);
  const moved = clock.observeDateHeader('Mon, 23 Nov 2026 10:05:00 GMT');
  expect(moved).toBe(5 * MINUTES + 500);
  expect(clock.now()).toBe(Date.parse('2026-11-23T10:05:00.500Z'));
  local += 1_000;
  expect(clock.now()).toBe(Date.parse('2026-11-23T10:05:01.500Z'));
  expect(clock.toLocal(Date.parse('2026-11-23T10:07:00.500Z'))).toBe(local + 119_000);
  clock.observeServerTime('2026-11-23T10:05:01.250Z');
  expect(clock.offsetMs).toBe(5 * MINUTES + 250);
});
