import type { Insertable } from 'kysely';
import type { SessionsTable } from '../schema.js';
import type { SessionRepository, StoreKind } from '../types.js';
import { changed, type Db } from './db.js';
import { prepared } from './prepared.js';

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

// Every opened session: built once (prepared.ts).
const INSERT = prepared((db, _kind, values: Insertable<SessionsTable>) =>
  db.insertInto('sessions').values(values).returning(COLUMNS),
);

export function sessions(db: Db, kind: StoreKind): SessionRepository {
  const select = () => db.selectFrom('sessions').select(COLUMNS);
  const insert = INSERT(db, kind);
  return {
    create: async (s) =>
      (
        await insert({
          token_hash: s.tokenHash,
          credential_id: s.credentialId,
          user_id: s.userId,
          ip: s.ip,
          created: s.created,
          expires: s.expires,
        })
      ).rows[0]!,
    byId: async (id) => (await select().where('id', '=', id).executeTakeFirst()) ?? null,
    byTokenHash: async (hash) => (await select().where('token_hash', '=', hash).executeTakeFirst()) ?? null,
    end: async (id, now) => {
      await db.updateTable('sessions').set({ ended: now }).where('id', '=', id).where('ended', 'is', null).execute();
    },
    openIdsOfCredential: async (credentialId, now) =>
      (
        await db
          .selectFrom('sessions')
          .select('id')
          .where('credential_id', '=', credentialId)
          .where('ended', 'is', null)
          .where('expires', '>', now)
          .orderBy('id')
          .execute()
      ).map((r) => r.id),
    endAllOfCredential: async (credentialId, now) =>
      changed(
        await db
          .updateTable('sessions')
          .set({ ended: now })
          .where('credential_id', '=', credentialId)
          .where('ended', 'is', null)
          .where('expires', '>', now)
          .executeTakeFirst(),
      ),
  };
}
