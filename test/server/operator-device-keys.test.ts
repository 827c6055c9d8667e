// A device the operator removes (alone, or with its user) leaves the server's parsed-key cache, the one the device
// signature check uses: the operator service is given that cache, not one of its own.
import { afterEach, describe, expect, it } from 'vitest';
import { generateDeviceKeyPair } from '../../protocol/crypto.js';
import { defaultConfig } from '../../server/config.js';
import { InProcessHub } from '../../server/push/hub.js';
import { OperatorService } from '../../server/services/operator.js';
import { PublicKeyCache } from '../../server/services/public-keys.js';
import { openStore } from '../../server/store/open.js';
import type { Store } from '../../server/store/types.js';
import { type Cleanups, freshDatabase } from '../store/support/fresh-database.js';

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function setUp() {
  const store = await openStore(await freshDatabase('sqlite', cleanups));
  cleanups.push(() => store.close());
  const keys = new PublicKeyCache();
  const operator = new OperatorService({ store, hub: new InProcessHub(), config: defaultConfig }, keys);
  return { store, keys, operator };
}

async function cachedDevice(store: Store, keys: PublicKeyCache, userId: number) {
  const row = await store.devices.create({
    userId,
    name: 'desktop',
    platform: 'linux',
    publicKey: generateDeviceKeyPair().publicKey,
    created: Date.now(),
  });
  keys.keyOf(row);
  return row;
}

describe('operator removals and the device key cache', () => {
  it('drops the key of a device the operator removes', async () => {
    const { store, keys, operator } = await setUp();
    const user = await store.users.create('alice', Date.now());
    const removed = await cachedDevice(store, keys, user.id);
    await cachedDevice(store, keys, user.id);
    expect(keys.size).toBe(2);
    await operator.removeDevice(user.id, removed.id);
    expect(keys.size).toBe(1);
  });

  it('drops the keys of every device of a user the operator removes', async () => {
    const { store, keys, operator } = await setUp();
    const alice = await store.users.create('alice', Date.now());
    const bob = await store.users.create('bob', Date.now());
    await cachedDevice(store, keys, alice.id);
    await cachedDevice(store, keys, alice.id);
    await cachedDevice(store, keys, bob.id);
    expect((await operator.removeUser(alice.id)).devices).toBe(2);
    expect(keys.size).toBe(1);
  });
});
