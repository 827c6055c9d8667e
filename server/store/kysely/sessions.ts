import type { SessionRepository } from '../types.js';
import type { Db } from './db.js';

const COLUMNS = [
  'id',
  'token_hash as tokenHash',
  'credential_id as credentialId',
  'user_id as userId',
  'ip',
  'created',
  'expires',
  'ended',
] as const;

export function sessions(db: Db): SessionRepository {
  const select = () => db.selectFrom('sessions').select(COLUMNS);
  return {
    create: (s) =>
      db
        .insertInto('sessions')
        .values({
          token_hash: s.tokenHash,
          credential_id: s.credentialId,
          user_id: s.userId,
          ip: s.ip,
          created: s.created,
          expires: s.expires,
        })
        .returning(COLUMNS)
        .executeTakeFirstOrThrow(),
    byId: async (id) => (await select().where('id', '=', id).executeTakeFirst()) ?? null,
    byTokenHash: async (hash) => (await select().where('token_hash', '=', hash).executeTakeFirst()) ?? null,
    end: async (id, now) => {
      await db.updateTable('sessions').set({ ended: now }).where('id', '=', id).where('ended', 'is', null).execute();
    },
    endAllOfCredential: async (credentialId, now) => {
      await db
        .updateTable('sessions')
        .set({ ended: now })
        .where('credential_id', '=', credentialId)
        .where('ended', 'is', null)
        .execute();
    },
  };
}
