// Every session attempt reads the key's PENDING requests and its last ACCEPTED one (what changed since then is shown
// to the owner). That read must cost the same whatever the key's history: with max() PostgreSQL's generic plan —
// the one a named statement settles on after a few calls — aggregated every ACCEPTED request the key ever had.
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../server/store/open.js';
import type { Store } from '../../server/store/types.js';
import { type Cleanups, freshDatabase } from './support/fresh-database.js';
import { newRequest } from './support/new-request.js';
import { seedKeys } from './support/seed-key.js';
import { sessionRequestRowsRead, watchPostgresStatements } from './support/postgres-plan.js';

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

const T = 1_700_000_000_000;
const HISTORY = 200;
/** Keys whose requests come in turn, as on a server with several busy keys. */
const KEYS = 8;

/** KEYS keys with `history` ACCEPTED requests each, then `pending` PENDING ones; the last key and its uuids. */
async function keysWithHistory(store: Store, pending: number, history = HISTORY) {
  const { user, keys } = await seedKeys(store, KEYS, T);
  const key = keys.at(-1)!;
  const uuids: string[] = [];
  for (let n = 1; n <= (history + pending) * KEYS; n += 1) {
    const owner = keys[n % KEYS]!;
    const request = newRequest(n, {
      credentialId: owner.id,
      userId: user.id,
      status: n <= history * KEYS ? 'ACCEPTED' : 'PENDING',
      created: T + n,
      expiryTime: T + n + 120_000,
    });
    if (owner === key) uuids.push(request.uuid);
    await store.requests.create(request);
  }
  return { key, uuids };
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`${kind}: the key's pending requests and last accepted one`, () => {
    it('finds the newest ACCEPTED request and every PENDING one, or none', async () => {
      const db = await freshDatabase(kind, cleanups);
      const store = await openStore(db);
      cleanups.push(() => store.close());
      const { key, uuids } = await keysWithHistory(store, 2);
      const found = await store.read((tx) => tx.requests.openForAttempt(key.id, null));
      expect(found.lastAccepted?.uuid).toBe(uuids[HISTORY - 1]);
      expect(found.pending.map((request) => request.uuid)).toEqual(uuids.slice(HISTORY));
      const none = await store.read((tx) => tx.requests.openForAttempt(key.id + 1_000, null));
      expect(none).toEqual({ pending: [], lastAccepted: null, claimed: null });
    });

    it('finds the PENDING requests of a key that has none ACCEPTED', async () => {
      const db = await freshDatabase(kind, cleanups);
      const store = await openStore(db);
      cleanups.push(() => store.close());
      const { key, uuids } = await keysWithHistory(store, 1, 0);
      const found = await store.read((tx) => tx.requests.openForAttempt(key.id, null));
      expect(found.lastAccepted).toBeNull();
      expect(found.pending.map((request) => request.uuid)).toEqual(uuids);
    });
  });
}

describe('postgres: the read in its generic plan', () => {
  it('reads one row of the key’s history, not all of it', async () => {
    const url = await freshDatabase('postgres', cleanups);
    const sent = watchPostgresStatements(cleanups);
    const store = await openStore(url);
    cleanups.push(() => store.close());
    const { key } = await keysWithHistory(store, 0);
    sent.length = 0;
    await store.read((tx) => tx.requests.openForAttempt(key.id, null));
    const statement = sent.find((text) => text.includes('PENDING') && text.includes('ACCEPTED'));
    expect(statement, sent.join('\n')).toBeDefined();
    const id = String(key.id);
    const { rowsRead, plan } = await sessionRequestRowsRead(
      url,
      statement!,
      ['bigint', 'bigint', 'text', 'bigint', 'bigint'],
      [id, id, "''", id, '0'],
      cleanups,
    );
    expect(rowsRead.length).toBeGreaterThan(0);
    expect(Math.max(...rowsRead), plan).toBeLessThanOrEqual(1);
  });
});
