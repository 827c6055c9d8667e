// One transaction runner for both dialects: the work gets repositories bound to one connection held for the whole
// transaction (SQLite has a single connection, so holding it also keeps every other statement out).
// On PostgreSQL, checks such as "at most 3 pending per key" read rows and then write, and two server instances may
// do that at the same moment: such transactions first hold the key's row (credentials.hold), so the second waits
// for the first to commit and then sees its rows. A transaction the database ends to break a deadlock (40P01), or
// a serialization failure (40001), runs again from the start.
import { sql } from 'kysely';
import type { Db } from './kysely/db.js';
import { repositories } from './kysely/index.js';
import type { Repositories, StoreKind } from './types.js';

export interface TransactionRules {
  kind: StoreKind;
  /** The statement that opens the transaction. */
  begin: string;
  /** Whether the error means "lost a race, run it again" (it is then rolled back and retried). */
  isRetryable(error: unknown): boolean;
  maxAttempts: number;
}

const MAX_BACKOFF_MS = 20;

export async function runTransaction<T>(
  db: Db,
  rules: TransactionRules,
  work: (tx: Repositories) => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await db.connection().execute(async (connection) => {
        await sql.raw(rules.begin).execute(connection);
        try {
          const result = await work(repositories(connection, rules.kind));
          await sql.raw('COMMIT').execute(connection);
          return result;
        } catch (error) {
          // After a failed COMMIT there is nothing left to roll back; that error says nothing new.
          await sql
            .raw('ROLLBACK')
            .execute(connection)
            .catch(() => undefined);
          throw error;
        }
      });
    } catch (error) {
      if (attempt >= rules.maxAttempts || !rules.isRetryable(error)) throw error;
      // Full jitter, so that two transactions that just collided do not collide again in step.
      const wait = Math.random() * Math.min(MAX_BACKOFF_MS, 2 ** attempt);
      await new Promise((done) => setTimeout(done, wait));
    }
  }
}
