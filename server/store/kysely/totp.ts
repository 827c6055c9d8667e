import type { TotpRepository } from '../types.js';
import { type Db, pruneAging } from './db.js';

export function totp(db: Db): TotpRepository {
  return {
    setSecret: async (deviceId, sealed) => {
      await db.updateTable('devices').set({ totp_secret_sealed: sealed }).where('id', '=', deviceId).execute();
    },
    secretsOfUser: async (userId) =>
      (
        await db
          .selectFrom('devices')
          .select(['id as deviceId', 'totp_secret_sealed as sealed'])
          .where('user_id', '=', userId)
          .where('revoked', 'is', null)
          .where('totp_secret_sealed', 'is not', null)
          .orderBy('id')
          .execute()
      ).map((row) => ({ deviceId: row.deviceId, sealed: row.sealed! })),
    spendStep: async (deviceId, step, now) => {
      const result = await db
        .insertInto('used_totp_steps')
        .values({ device_id: deviceId, step, used_at: now })
        .onConflict((conflict) => conflict.doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
    pruneUsedStepsOlderThan: (time, limit) => pruneAging(db, 'used_totp_steps', time, limit),
  };
}
