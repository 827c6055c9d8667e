// The rate-limit counts several instances share on PostgreSQL: one row per limit and address. A hit is one upsert
// that starts a new window when the running one has ended and returns the count, so two instances counting the
// same address at the same moment each see their own increment (the row is locked for the update).
import { sql } from 'kysely';
import type { RateCountRepository } from '../types.js';
import type { Db } from './db.js';

export function rateCounts(db: Db): RateCountRepository {
  return {
    hit: async (key, windowMs, now) =>
      db
        .insertInto('rate_limits')
        .values({ key, window_end: now + windowMs, count: 1 })
        .onConflict((conflict) =>
          conflict.column('key').doUpdateSet({
            count: sql<number>`CASE WHEN rate_limits.window_end <= ${now} THEN 1 ELSE rate_limits.count + 1 END`,
            window_end: sql<number>`CASE WHEN rate_limits.window_end <= ${now} THEN excluded.window_end ELSE rate_limits.window_end END`,
          }),
        )
        .returning(['count', 'window_end as windowEnd'])
        .executeTakeFirstOrThrow(),
    peek: async (key, now) =>
      (await db
        .selectFrom('rate_limits')
        .select(['count', 'window_end as windowEnd'])
        .where('key', '=', key)
        .where('window_end', '>', now)
        .executeTakeFirst()) ?? null,
    prune: async (now) => {
      await db.deleteFrom('rate_limits').where('window_end', '<=', now).execute();
    },
  };
}
