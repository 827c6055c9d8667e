// What a transaction does in one statement where it used to take two: a key's use recorded and the key held by
// one UPDATE … RETURNING, and (PostgreSQL) the NOTIFYs to the other instances sent with the COMMIT itself.
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../server/store/open.js';
import type { Store } from '../../server/store/types.js';
import { type Cleanups, freshDatabase } from './support/fresh-database.js';
import { seedKey } from './support/seed-key.js';

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function open(kind: 'sqlite' | 'postgres'): Promise<{ store: Store; db: string }> {
  const db = await freshDatabase(kind, cleanups);
  const store = await openStore(db);
  cleanups.push(() => store.close());
  return { store, db };
}

/** A first-use deadline that never comes in these tests. */
const FAR_FUTURE = 9_000_000_000_000;

const USE = {
  lastUsed: 5_000,
  permittedDeviceDescription: 'nightly job',
  permittedDeviceIp: '192.0.2.7',
  updated: 5_000,
};

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`${kind} store`, () => {
    it('records a use and returns the key as that write left it, with its counts', async () => {
      const { store } = await open(kind);
      const key = await seedKey(store, FAR_FUTURE);
      await store.permittedIps.create(key.id, '198.51.100.1', 'ACTIVE', 1_000);
      const held = await store.transaction((tx) => tx.credentials.holdAndRecordUse(key.id, USE));
      expect(held).toMatchObject({ id: key.id, status: 'PENDING_FIRST_USE', lastUsed: 5_000, permittedIpCount: 1 });
      expect(held?.permittedDeviceDescription).toBe('nightly job');
      expect(await store.credentials.byId(key.id)).toEqual(held);
      expect(await store.transaction((tx) => tx.credentials.holdAndRecordUse(key.id + 99, USE))).toBeNull();
    });

    it('undoes the recorded use when the transaction rolls back', async () => {
      const { store } = await open(kind);
      const key = await seedKey(store, FAR_FUTURE);
      await expect(
        store.transaction(async (tx) => {
          await tx.credentials.holdAndRecordUse(key.id, USE);
          throw new Error('refused after the hold');
        }),
      ).rejects.toThrow('refused after the hold');
      expect((await store.credentials.byId(key.id))?.lastUsed).toBeNull();
    });
  });
}

describe('sqlite store', () => {
  it('offers no notifications on commit', async () => {
    const { store } = await open('sqlite');
    expect(await store.transaction(async (tx) => tx.notifyOnCommit)).toBeNull();
  });
});

describe('postgres store', () => {
  async function listen(url: string, channel: string) {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    cleanups.push(() => client.end());
    const heard: string[] = [];
    client.on('notification', (message) => heard.push(message.payload ?? ''));
    await client.query(`LISTEN ${channel}`);
    return heard;
  }

  it('sends the notifications with the commit, in order, and none for a transaction rolled back', async () => {
    const { store, db } = await open('postgres');
    const key = await seedKey(store, FAR_FUTURE);
    const heard = await listen(db, 'commit_test');
    // Quotes and backslashes must arrive as written: the payloads are put in the statement as literals.
    const payloads = ['first', "it's", 'back\\slash', '{"kind":"wake"}'];
    await expect(
      store.transaction(async (tx) => {
        tx.notifyOnCommit?.('commit_test', ['never sent']);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    await store.transaction(async (tx) => {
      await tx.credentials.update(key.id, { name: 'renamed', updated: 2_000 });
      tx.notifyOnCommit?.('commit_test', payloads);
    });
    await expect.poll(() => heard.length).toBe(payloads.length);
    expect(heard).toEqual(payloads);
    expect((await store.credentials.byId(key.id))?.name).toBe('renamed');
  });

  it('commits nothing when a notification cannot be sent (payload too long)', async () => {
    const { store, db } = await open('postgres');
    const key = await seedKey(store, FAR_FUTURE);
    const heard = await listen(db, 'commit_test');
    await expect(
      store.transaction(async (tx) => {
        await tx.credentials.update(key.id, { name: 'renamed', updated: 2_000 });
        tx.notifyOnCommit?.('commit_test', ['ok', 'x'.repeat(8_000)]);
      }),
    ).rejects.toThrow(/payload string too long/);
    expect((await store.credentials.byId(key.id))?.name).toBe('deploy');
    // The store goes on serving, and the ROLLBACK left nothing half-sent.
    await store.transaction(async (tx) => tx.notifyOnCommit?.('commit_test', ['after']));
    await expect.poll(() => heard).toEqual(['after']);
  });
});
