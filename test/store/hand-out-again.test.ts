// A token handed out again replaces the hand-out a call saw, and only that one: of two calls that saw the same
// hand-out, the second finds it replaced. The same conditional write on both dialects.
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../server/store/open.js';
import { type Cleanups, freshDatabase } from './support/fresh-database.js';
import { newRequest } from './support/new-request.js';

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`handing a token out again on ${kind}`, () => {
    it('takes only for the hand-out the caller saw, and moves it', async () => {
      const store = await openStore(await freshDatabase(kind, cleanups));
      cleanups.push(() => store.close());
      const t0 = 1_700_000_000_000;
      const user = await store.users.create('alice', t0);
      const key = await store.credentials.create({
        userId: user.id,
        name: 'deploy',
        keyHash: 'b'.repeat(64),
        mode: 'push',
        codeLength: 0,
        allowCodeFallback: false,
        created: t0,
        expiryTime: t0 + 1000,
      });
      const fields = { credentialId: key.id, userId: user.id, created: t0, expiryTime: t0 + 120_000 };
      const uuid = await store.transaction(async (tx) => {
        const request = await tx.requests.create(newRequest(1, { ...fields, status: 'ACCEPTED' }));
        return request.uuid;
      });
      // Not handed out yet: nothing to hand out again.
      expect(await store.transaction((tx) => tx.requests.markHandedOutAgain(uuid, t0, t0 + 1))).toBe(false);
      await store.transaction((tx) => tx.requests.claimTokenDelivery(uuid, t0 + 10, 1));
      const again = (seen: number, now: number) =>
        store.transaction((tx) => tx.requests.markHandedOutAgain(uuid, seen, now));
      expect(await again(t0 + 10, t0 + 20)).toBe(true);
      // A second call that saw the first hand-out finds it replaced.
      expect(await again(t0 + 10, t0 + 21)).toBe(false);
      expect(await again(t0 + 20, t0 + 30)).toBe(true);
      expect((await store.read((db) => db.requests.byUuid(uuid)))?.deliveredAt).toBe(t0 + 30);
    });
  });
}
