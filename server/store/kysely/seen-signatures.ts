import type { SeenSignatureRepository } from '../types.js';
import type { Db } from './db.js';

export function seenSignatures(db: Db): SeenSignatureRepository {
  return {
    remember: async (deviceId, signature, now) => {
      const result = await db
        .insertInto('seen_signatures')
        .values({ device_id: deviceId, signature, seen_at: now })
        .onConflict((conflict) => conflict.doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
    pruneOlderThan: async (time) => {
      await db.deleteFrom('seen_signatures').where('seen_at', '<', time).execute();
    },
  };
}
