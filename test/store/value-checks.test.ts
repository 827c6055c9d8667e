// The database itself refuses a value outside a column's set (a status, a decision, a key mode, a 0/1 flag, a code
// length), on both dialects: whatever writes to it by mistake, a bad value never lands. On PostgreSQL the two
// tables every approval writes carry these rules as domains rather than table checks (migration 11), for speed;
// this holds them to the same rules.
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../server/store/open.js';
import { queryUrl } from '../support/postgres.js';
import { type Cleanups, freshDatabase } from './support/fresh-database.js';
import { newRequest } from './support/new-request.js';

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Each write, with one value out of its column's set. SQLite's schema never had checks on the 0/1 flags. */
const BAD_WRITES: { sql: string; on: readonly ('sqlite' | 'postgres')[] }[] = [
  { sql: "UPDATE session_requests SET status = 'APPROVED'", on: ['sqlite', 'postgres'] },
  { sql: "UPDATE session_requests SET decision = 'MAYBE'", on: ['sqlite', 'postgres'] },
  { sql: "UPDATE credentials SET mode = 'push-always'", on: ['sqlite', 'postgres'] },
  { sql: "UPDATE credentials SET status = 'DELETED'", on: ['sqlite', 'postgres'] },
  { sql: 'UPDATE credentials SET code_length = 9', on: ['sqlite', 'postgres'] },
  { sql: 'UPDATE session_requests SET token_delivered = 2', on: ['postgres'] },
  { sql: 'UPDATE session_requests SET ip_known = -1', on: ['postgres'] },
  { sql: 'UPDATE session_requests SET wrong_code = 5', on: ['postgres'] },
  { sql: 'UPDATE credentials SET number_matching = 2', on: ['postgres'] },
  { sql: 'UPDATE credentials SET allow_code_fallback = 3', on: ['postgres'] },
];

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`value checks on ${kind}`, () => {
    it('refuses every value outside its column’s set and leaves the row as it was', async () => {
      const db = await freshDatabase(kind, cleanups);
      const store = await openStore(db);
      const t0 = 1_700_000_000_000;
      const user = await store.users.create('alice', t0);
      const key = await store.credentials.create({
        userId: user.id,
        name: 'deploy',
        keyHash: 'a'.repeat(64),
        mode: 'push',
        codeLength: 2,
        allowCodeFallback: false,
        created: t0,
        expiryTime: t0 + 1000,
      });
      await store.transaction((tx) =>
        tx.requests.create(
          newRequest(1, { credentialId: key.id, userId: user.id, status: 'PENDING', created: t0, expiryTime: t0 + 1 }),
        ),
      );
      await store.close();

      const run =
        kind === 'sqlite'
          ? async (sql: string) => {
              const raw = new Database(db);
              try {
                raw.prepare(sql).run();
              } finally {
                raw.close();
              }
            }
          : async (sql: string) => {
              await queryUrl(db, sql);
            };
      const snapshot = async () =>
        kind === 'sqlite'
          ? (() => {
              const raw = new Database(db, { readonly: true });
              try {
                return JSON.stringify([
                  raw.prepare('SELECT * FROM session_requests').all(),
                  raw.prepare('SELECT * FROM credentials').all(),
                ]);
              } finally {
                raw.close();
              }
            })()
          : JSON.stringify([
              await queryUrl(db, 'SELECT * FROM session_requests'),
              await queryUrl(db, 'SELECT * FROM credentials'),
            ]);
      const before = await snapshot();
      for (const { sql } of BAD_WRITES.filter((write) => write.on.includes(kind))) {
        await expect(run(sql), sql).rejects.toThrow(/constraint|check/i);
      }
      expect(await snapshot()).toBe(before);
      // And a value inside the set is taken, so the refusals above are the rules, not a broken table.
      await run("UPDATE session_requests SET status = 'EXPIRED', token_delivered = 1");
      await run("UPDATE credentials SET mode = 'ip-only', code_length = 8");
      expect(await snapshot()).not.toBe(before);
    });
  });
}
