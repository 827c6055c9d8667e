// The smallest thing most store tests need: a user "alice" with one push key "deploy", created at 1 000.
import type { Store } from '../../../server/store/types.js';

export async function seedKey(store: Store, expiryTime = 2_000) {
  const user = await store.users.create('alice', 1_000);
  return store.credentials.create({
    userId: user.id,
    name: 'deploy',
    keyHash: 'a'.repeat(64),
    mode: 'push',
    codeLength: 0,
    created: 1_000,
    expiryTime,
  });
}

/** A user "alice" with `count` push keys "k0", "k1", … (key hashes "000…", "111…"), created at `created`. */
export async function seedKeys(store: Store, count: number, created: number) {
  const user = await store.users.create('alice', created);
  const keys = [];
  for (let k = 0; k < count; k += 1) {
    keys.push(
      await store.credentials.create({
        userId: user.id,
        name: `k${k}`,
        keyHash: String(k).repeat(64),
        mode: 'push',
        codeLength: 0,
        allowCodeFallback: false,
        created,
        expiryTime: created + 86_400_000,
      }),
    );
  }
  return { user, keys };
}
