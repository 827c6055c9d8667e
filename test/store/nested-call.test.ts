// A store call made from inside a transaction's work, instead of through the tx repositories the work was given:
// on SQLite it waits for the one connection the transaction holds (and the transaction for it), on PostgreSQL for
// the row the transaction holds — it would never return, and the store would answer nothing more. The store fails
// such a call at once with a clear error, rolls the transaction back and goes on serving.
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../server/store/open.js';
import type { Store } from '../../server/store/types.js';
import { type Cleanups, freshDatabase } from './support/fresh-database.js';
import { seedKey } from './support/seed-key.js';

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function open(kind: 'sqlite' | 'postgres'): Promise<Store> {
  const db = await freshDatabase(kind, cleanups);
  const store = await openStore(db);
  cleanups.push(() => store.close());
  return store;
}

const MESSAGE = 'store call inside a transaction: use the tx repositories';

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`${kind} store`, () => {
    // Without the check this test times out: the inner call waits for what the transaction holds.
    it('rejects a store call inside a transaction at once instead of hanging', { timeout: 5_000 }, async () => {
      const store = await open(kind);
      const key = await seedKey(store);
      await expect(
        store.transaction(async (tx) => {
          await tx.credentials.hold(key.id);
          await tx.credentials.update(key.id, { name: 'renamed', updated: 1_500 });
          await store.credentials.update(key.id, { name: 'other', updated: 1_600 });
        }),
      ).rejects.toThrow(MESSAGE);
      // The transaction rolled back, and the store still answers.
      expect((await store.credentials.byId(key.id))?.name).toBe('deploy');
    });

    it('rejects a transaction or a read started inside a transaction', { timeout: 5_000 }, async () => {
      const store = await open(kind);
      const key = await seedKey(store);
      await expect(store.transaction(() => store.transaction(async () => 1))).rejects.toThrow(MESSAGE);
      await expect(store.transaction(() => store.read(async (db) => db.credentials.byId(key.id)))).rejects.toThrow(
        MESSAGE,
      );
      // Outside any transaction both work, one after the other and side by side.
      const [read, written] = await Promise.all([
        store.read((db) => db.credentials.byId(key.id)),
        store.transaction(async (tx) => {
          await tx.credentials.update(key.id, { name: 'renamed', updated: 1_500 });
          return tx.credentials.byId(key.id);
        }),
      ]);
      expect(read?.id).toBe(key.id);
      expect(written?.name).toBe('renamed');
    });
  });
}
