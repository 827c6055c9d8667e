import type { CredentialLockRepository } from '../types.js';
import type { Db } from './db.js';

const COLUMNS = [
  'id',
  'credential_id as credentialId',
  'user_id as userId',
  'locked_at as lockedAt',
  'reason',
  'sessions_ended as sessionsEnded',
] as const;

export function credentialLocks(db: Db): CredentialLockRepository {
  return {
    record: async (lock) =>
      db
        .insertInto('credential_locks')
        .values({
          credential_id: lock.credentialId,
          user_id: lock.userId,
          locked_at: lock.lockedAt,
          reason: lock.reason,
          sessions_ended: lock.sessionsEnded,
        })
        .returning(COLUMNS)
        .executeTakeFirstOrThrow(),
    since: async (time) =>
      db.selectFrom('credential_locks').select(COLUMNS).where('locked_at', '>=', time).orderBy('id').execute(),
  };
}
