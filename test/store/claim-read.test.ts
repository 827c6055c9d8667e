// A session attempt that carries a claim looks for the key's request of that claim (a repeat of a POST whose reply
// was lost is answered with it), in the read of the key's open requests. That look-up runs on every claimed attempt,
// so it must find the row by its index whatever the history, and never find another key's request.
import Database from 'better-sqlite3';
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
const REQUESTS = 300;
const claimOf = (n: number) => n.toString(16).padStart(64, '0');

/** Two keys whose requests come in turn; two of every three carry a claim. */
async function twoKeysWithClaims(store: Store) {
  const { user, keys } = await seedKeys(store, 2, T);
  const claimed = new Map<number, { uuid: string; credentialId: number }>();
  for (let n = 1; n <= REQUESTS; n += 1) {
    const credentialId = keys[n % 2]!.id;
    const claimHash = n % 3 === 0 ? null : claimOf(n);
    const request = newRequest(n, {
      credentialId,
      userId: user.id,
      status: 'ACCEPTED',
      created: T + n,
      expiryTime: T + n + 120_000,
      claimHash,
    });
    await store.requests.create(request);
    if (claimHash !== null) claimed.set(n, { uuid: request.uuid, credentialId });
  }
  return { keys, claimed };
}

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`${kind}: the key's request of a claim`, () => {
    it('finds the key’s own request of the claim, and nothing for another key or an unknown claim', async () => {
      const db = await freshDatabase(kind, cleanups);
      const store = await openStore(db);
      cleanups.push(() => store.close());
      const { keys, claimed } = await twoKeysWithClaims(store);
      const [first, second] = [keys[0]!, keys[1]!];
      const mine = claimed.get(REQUESTS - 1)!;
      const other = mine.credentialId === first.id ? second : first;
      const byClaim = (credentialId: number, n: number, createdAfter = T) =>
        store.read(
          async (tx) =>
            (await tx.requests.openForAttempt(credentialId, { claimHash: claimOf(n), createdAfter })).claimed,
        );
      expect((await byClaim(mine.credentialId, REQUESTS - 1))?.uuid).toBe(mine.uuid);
      expect(await byClaim(other.id, REQUESTS - 1)).toBeNull();
      expect(await byClaim(mine.credentialId, REQUESTS + 1)).toBeNull();
      // Only requests made after the given time: an old one is no longer what a repeat means.
      expect(await byClaim(mine.credentialId, REQUESTS - 1, T + REQUESTS - 1)).toBeNull();
    });

    it('finds the newest request of a claim that a client used twice', async () => {
      const db = await freshDatabase(kind, cleanups);
      const store = await openStore(db);
      cleanups.push(() => store.close());
      const { claimed } = await twoKeysWithClaims(store);
      const mine = claimed.get(REQUESTS - 1)!;
      const reused = newRequest(REQUESTS + 1, {
        credentialId: mine.credentialId,
        userId: (await store.read((tx) => tx.requests.byUuid(mine.uuid)))!.userId,
        status: 'PENDING',
        created: T + REQUESTS + 1,
        expiryTime: T + REQUESTS + 120_000,
        claimHash: claimOf(REQUESTS - 1),
      });
      await store.requests.create(reused);
      const found = await store.read((tx) =>
        tx.requests.openForAttempt(mine.credentialId, { claimHash: claimOf(REQUESTS - 1), createdAfter: T }),
      );
      expect(found.claimed?.uuid).toBe(reused.uuid);
      expect(found.pending.map((request) => request.uuid)).toEqual([reused.uuid]);
    });

    it('tells the key’s last ACCEPTED request from an older ACCEPTED one of the claim', async () => {
      const db = await freshDatabase(kind, cleanups);
      const store = await openStore(db);
      cleanups.push(() => store.close());
      const { claimed } = await twoKeysWithClaims(store);
      const newest = claimed.get(REQUESTS - 1)!;
      const older = claimed.get(REQUESTS - 5)!;
      expect(older.credentialId).toBe(newest.credentialId);
      const found = await store.read((tx) =>
        tx.requests.openForAttempt(older.credentialId, { claimHash: claimOf(REQUESTS - 5), createdAfter: T }),
      );
      expect(found.claimed?.uuid).toBe(older.uuid);
      expect(found.lastAccepted?.uuid).toBe(newest.uuid);
      expect(found.pending).toEqual([]);
    });
  });
}

describe('the look-up finds its row by the claim index', () => {
  it('sqlite: searches each part by its index, the claim by session_requests_claim', async () => {
    const file = await freshDatabase('sqlite', cleanups);
    // The statement as the store prepares it: better-sqlite3 is the boundary, so prepare is watched, not replaced.
    const prepared: string[] = [];
    const prepare = Database.prototype.prepare;
    Database.prototype.prepare = function (this: Database.Database, source: string) {
      prepared.push(source);
      return prepare.call(this, source);
    } as typeof prepare;
    cleanups.push(async () => {
      Database.prototype.prepare = prepare;
    });
    const store = await openStore(file);
    cleanups.push(() => store.close());
    const { claimed } = await twoKeysWithClaims(store);
    const mine = claimed.get(REQUESTS - 1)!;
    prepared.length = 0;
    await store.read((tx) =>
      tx.requests.openForAttempt(mine.credentialId, { claimHash: claimOf(REQUESTS - 1), createdAfter: T }),
    );
    const statement = prepared.find((text) => text.includes('claim_hash'));
    expect(statement, prepared.join('\n')).toBeDefined();
    const look = new Database(file, { readonly: true });
    cleanups.push(async () => {
      look.close();
    });
    const plan = look.prepare(`EXPLAIN QUERY PLAN ${statement}`).all(1, 1, claimOf(1), 1, T) as {
      detail: string;
    }[];
    const details = plan.map((step) => step.detail);
    // Each of the three parts by its index: the PENDING rows and the newest ACCEPTED one by the key's, the claim's
    // request by the claim's; nothing in the statement scans a table.
    expect(details).toContainEqual(expect.stringMatching(/^SEARCH r USING INDEX session_requests_accepted /));
    expect(details).toContainEqual(expect.stringMatching(/^SEARCH a USING COVERING INDEX session_requests_accepted /));
    expect(details).toContainEqual(expect.stringMatching(/^SEARCH k USING INDEX session_requests_claim /));
    expect(details.filter((detail) => detail.startsWith('SCAN'))).toEqual([]);
  });

  it('postgres: its generic plan reads one row of session_requests', async () => {
    const url = await freshDatabase('postgres', cleanups);
    const sent = watchPostgresStatements(cleanups);
    const store = await openStore(url);
    cleanups.push(() => store.close());
    const { claimed } = await twoKeysWithClaims(store);
    const mine = claimed.get(REQUESTS - 1)!;
    sent.length = 0;
    await store.read((tx) =>
      tx.requests.openForAttempt(mine.credentialId, { claimHash: claimOf(REQUESTS - 1), createdAfter: T }),
    );
    const statement = sent.find((text) => text.includes('claim_hash'));
    expect(statement, sent.join('\n')).toBeDefined();
    const { rowsRead, plan } = await sessionRequestRowsRead(
      url,
      statement!,
      ['bigint', 'bigint', 'text', 'bigint', 'bigint'],
      [
        String(mine.credentialId),
        String(mine.credentialId),
        `'${claimOf(REQUESTS - 1)}'`,
        String(mine.credentialId),
        String(T),
      ],
      cleanups,
    );
    expect(rowsRead.length).toBeGreaterThan(0);
    expect(Math.max(...rowsRead), plan).toBeLessThanOrEqual(1);
  });
});
