import type { PairingCodeRepository } from '../types.js';
import { type Db, deleted } from './db.js';

export function pairingCodes(db: Db): PairingCodeRepository {
  return {
    create: async (code) => {
      await db
        .insertInto('pairing_codes')
        .values({
          code_hash: code.codeHash,
          user_id: code.userId,
          created: code.created,
          expires: code.expires,
          invited_by_device_id: code.invitedByDeviceId,
        })
        .execute();
    },
    // Single use: only an unused, unexpired code is spent, and only once even if two pairings race.
    consume: async (codeHash, now) =>
      (await db
        .updateTable('pairing_codes')
        .set({ used_at: now })
        .where('code_hash', '=', codeHash)
        .where('used_at', 'is', null)
        .where('expires', '>', now)
        .returning([
          'code_hash as codeHash',
          'user_id as userId',
          'created',
          'expires',
          'used_at as usedAt',
          'invited_by_device_id as invitedByDeviceId',
        ])
        .executeTakeFirst()) ?? null,
    outstandingExpiries: async (userId, now) =>
      (
        await db
          .selectFrom('pairing_codes')
          .select('expires')
          .where('user_id', '=', userId)
          .where('used_at', 'is', null)
          .where('expires', '>', now)
          .orderBy('expires')
          .execute()
      ).map((row) => row.expires),
    expireIssuedBy: async (deviceId, now) => {
      await db
        .updateTable('pairing_codes')
        .set({ expires: now })
        .where('invited_by_device_id', '=', deviceId)
        .where('used_at', 'is', null)
        .where('expires', '>', now)
        .execute();
    },
    pruneSpent: async (now, limit) =>
      deleted(
        await db
          .deleteFrom('pairing_codes')
          .where(
            'code_hash',
            'in',
            db
              .selectFrom('pairing_codes')
              .select('code_hash')
              .where((eb) => eb.or([eb('used_at', 'is not', null), eb('expires', '<=', now)]))
              .limit(limit),
          )
          .executeTakeFirst(),
      ),
    expireAllOfUser: async (userId, now) => {
      await db
        .updateTable('pairing_codes')
        .set({ expires: now })
        .where('user_id', '=', userId)
        .where('used_at', 'is', null)
        .where('expires', '>', now)
        .execute();
    },
  };
}
