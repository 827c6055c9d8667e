// The app PIN against the real OS keychain (gnome-keyring in scripts/with-desktop-session.sh): set, right, wrong,
// locked out and back, changed, removed; only a hash is stored; and a PIN that was set but is missing from the
// keychain fails closed instead of reading as "no PIN".
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { AppPin, MAX_TRIES } from '../../main/core/app-pin.js';
import { keytarVault } from '../../main/core/vault.js';
import { describeWithKeychain } from './keychain-session.js';

const PIN = '4711-pin';

describeWithKeychain('app PIN', () => {
  let dataDir: string;
  let service: string;
  let now: number;
  let pin: AppPin;
  const vault = keytarVault();

  beforeEach(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'countersign-pin-'));
    service = `Countersign PIN test ${process.pid} ${Math.random()}`;
    now = 1_800_000_000_000;
    pin = new AppPin(vault, service, dataDir, { now: () => now });
  });
  afterEach(async () => {
    for (const { account } of await vault.findCredentials(service)) await vault.deletePassword(service, account);
    await rm(dataDir, { recursive: true, force: true });
  });

  it('asks nothing while no PIN is set', async () => {
    expect(await pin.status()).toEqual({ ok: true, value: { set: false, lockedUntil: null, triesLeft: MAX_TRIES } });
    expect(await pin.verify('anything')).toEqual({ ok: true, value: undefined });
  });

  it('accepts the right PIN and refuses a wrong one, saying how many tries are left', async () => {
    expect((await pin.set(PIN)).ok).toBe(true);
    expect((await pin.verify(PIN)).ok).toBe(true);
    expect(await pin.verify('0000')).toEqual({
      ok: false,
      error: { code: 'PIN_WRONG', message: 'Wrong PIN. 4 tries left before a cool-down.' },
    });
    // A right PIN resets the count.
    expect((await pin.verify(PIN)).ok).toBe(true);
    expect((await pin.status()).ok && (await pin.status())).toMatchObject({ value: { triesLeft: MAX_TRIES } });
  });

  it('locks after five wrong tries, refuses even the right PIN during the cool-down, then lets it in', async () => {
    await pin.set(PIN);
    for (let i = 1; i < MAX_TRIES; i += 1)
      expect(await pin.verify('0000')).toMatchObject({ error: { code: 'PIN_WRONG' } });
    expect(await pin.verify('0000')).toEqual({
      ok: false,
      error: { code: 'PIN_LOCKED_OUT', message: 'Wrong PIN. Too many wrong PINs: try again in 30 s.' },
    });
    expect(await pin.verify(PIN)).toEqual({
      ok: false,
      error: { code: 'PIN_LOCKED_OUT', message: 'Too many wrong PINs. Try again in 30 s.' },
    });
    // A new instance (an app restart) keeps the lock: it lives in the keychain record, not in memory.
    const restarted = new AppPin(vault, service, dataDir, { now: () => now });
    expect(await restarted.status()).toMatchObject({ value: { set: true, lockedUntil: now + 30_000 } });
    now += 30_001;
    // One more wrong try after a cool-down doubles the next one.
    expect(await restarted.verify('0000')).toMatchObject({ error: { code: 'PIN_LOCKED_OUT' } });
    expect((await restarted.status()).ok && (await restarted.status())).toMatchObject({
      value: { lockedUntil: now + 60_000 },
    });
    now += 60_001;
    expect((await restarted.verify(PIN)).ok).toBe(true);
    expect(await restarted.status()).toMatchObject({ value: { lockedUntil: null, triesLeft: MAX_TRIES } });
  });

  it('changes and removes the PIN only with the current one', async () => {
    await pin.set(PIN);
    expect(await pin.set('new-pin-1')).toMatchObject({ ok: false, error: { code: 'PIN_WRONG' } });
    expect((await pin.set('new-pin-1', PIN)).ok).toBe(true);
    expect(await pin.verify(PIN)).toMatchObject({ error: { code: 'PIN_WRONG' } });
    expect(await pin.remove('wrong')).toMatchObject({ ok: false, error: { code: 'PIN_WRONG' } });
    expect((await pin.remove('new-pin-1')).ok).toBe(true);
    expect(await pin.status()).toMatchObject({ value: { set: false } });
    expect((await pin.verify('anything')).ok).toBe(true);
  });

  it('refuses a PIN that is too short, too long or holds control characters', async () => {
    for (const bad of ['123', 'x'.repeat(65), '12\n34']) {
      expect(await pin.set(bad)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    }
    expect(await pin.status()).toMatchObject({ value: { set: false } });
  });

  it('keeps only a hash: the PIN is neither in the keychain entry nor in the data folder', async () => {
    await pin.set(PIN);
    const entries = await vault.findCredentials(service);
    expect(entries.map((e) => e.account)).toEqual(['app-pin']);
    expect(entries[0]!.password).not.toContain(PIN);
    for (const file of await readdir(dataDir)) expect(await readFile(join(dataDir, file), 'utf8')).not.toContain(PIN);
  });

  it('fails closed when a PIN was set but its keychain entry is gone', async () => {
    await pin.set(PIN);
    await vault.deletePassword(service, 'app-pin');
    const refused = await pin.verify('anything');
    expect(refused).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
    expect(refused.ok ? '' : refused.error.message).toMatch(/Approvals stay refused until you set a new PIN/);
  });
});
