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
