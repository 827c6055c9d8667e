// One transaction runner for both dialects: the work gets repositories bound to one connection held for the whole
// transaction (SQLite has a single connection, so holding it also keeps every other statement out).
// On PostgreSQL, checks such as "at most 3 pending per key" read rows and then write, and two server instances may
// do that at the same moment: such transactions first hold the key's row (credentials.hold and its kin), so the
// second waits for the first to commit and then sees its rows. A transaction the database ends to break a deadlock
// (40P01), or a serialization failure (40001), runs again from the start.
//
// A store call made from inside a transaction's work (instead of through the tx repositories it was given) would
// wait on SQLite for the one connection the transaction holds, and the transaction for it: it would never return,
// and every later request would queue behind it. The store knows (AsyncLocalStorage) when it is called from a
// transaction's work and fails such a call at once.
import { AsyncLocalStorage } from 'node:async_hooks';
import { sql } from 'kysely';
import type { Db } from './kysely/db.js';
import { repositories } from './kysely/index.js';
import type { StoreKind, TransactionRepositories } from './types.js';

export interface TransactionRules {
  kind: StoreKind;
  /** The statement that opens the transaction. */
  begin: string;
  /** Whether the error means "lost a race, run it again" (it is then rolled back and retried). */
  isRetryable(error: unknown): boolean;
  maxAttempts: number;
  /**
   * The statement text that sends these notifications and commits, in one round trip; absent where the database
   * has no notifications (SQLite).
   */
  notifyAndCommit?(notifications: readonly { channel: string; payload: string }[]): string;
}

const MAX_BACKOFF_MS = 20;

export const NESTED_STORE_CALL = 'store call inside a transaction: use the tx repositories';

/** Whether the code running now is a transaction's work, per store; a transaction that ended no longer counts. */
export class TransactionGuard {
  readonly #running = new AsyncLocalStorage<{ open: boolean }>();

  /** Throws when called from inside a running transaction's work. */
  check(): void {
    if (this.#running.getStore()?.open) throw new Error(NESTED_STORE_CALL);
  }

  async run<T>(work: () => Promise<T>): Promise<T> {
    this.check();
    const state = { open: true };
    try {
      return await this.#running.run(state, work);
    } finally {
      // Something the work started and left running (it should not) may call the store later, legitimately.
      state.open = false;
    }
  }

  /** The repositories with every method checking first. */
  guard<R extends object>(repositories: R): R {
    const guarded: Record<string, unknown> = {};
    for (const [name, repository] of Object.entries(repositories)) {
      const methods: Record<string, unknown> = {};
      for (const [method, fn] of Object.entries(repository as Record<string, unknown>)) {
        methods[method] =
          typeof fn === 'function'
            ? (...args: unknown[]) => {
                this.check();
                return (fn as (...a: unknown[]) => unknown).apply(repository, args);
              }
            : fn;
      }
      guarded[name] = methods;
    }
    return guarded as R;
  }
}

export async function runTransaction<T>(
  db: Db,
  rules: TransactionRules,
  work: (tx: TransactionRepositories) => Promise<T>,
  guard?: TransactionGuard,
): Promise<T> {
  const attempt = () =>
    db.connection().execute(async (connection) => {
      await sql.raw(rules.begin).execute(connection);
      try {
        const notifications: { channel: string; payload: string }[] = [];
        const notifyAndCommit = rules.notifyAndCommit;
        const tx: TransactionRepositories = {
          ...repositories(connection, rules.kind),
          notifyOnCommit: notifyAndCommit
            ? (channel, payloads) => {
                for (const payload of payloads) notifications.push({ channel, payload });
              }
            : null,
        };
        const result = await (guard ? guard.run(() => work(tx)) : work(tx));
        const commit = notifyAndCommit && notifications.length > 0 ? notifyAndCommit(notifications) : 'COMMIT';
        await sql.raw(commit).execute(connection);
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
  guard?.check();
  for (let n = 1; ; n += 1) {
    try {
      return await attempt();
    } catch (error) {
      if (n >= rules.maxAttempts || !rules.isRetryable(error)) throw error;
      // Full jitter, so that two transactions that just collided do not collide again in step.
      const wait = Math.random() * Math.min(MAX_BACKOFF_MS, 2 ** n);
      await new Promise((done) => setTimeout(done, wait));
    }
  }
}
