import type { Insertable } from 'kysely';
import type { SessionsTable } from '../schema.js';
import type { SessionRepository, StoreKind } from '../types.js';
import { changed, type Db, deleted } from './db.js';
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
    replaceToken: async (id, tokenHash, now) =>
      changed(
        await db
          .updateTable('sessions')
          .set({ token_hash: tokenHash })
          .where('id', '=', id)
          .where('ended', 'is', null)
          .where('expires', '>', now)
          .executeTakeFirst(),
      ) === 1,
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
    // Two statements, each answered by its own index (sessions_expires; the partial sessions_ended), and each
    // deleting a bounded batch (ids chosen by a sub-select: neither dialect takes DELETE … LIMIT as such).
    pruneEndedOrExpired: async (now, limit) => {
      const expired = deleted(
        await db
          .deleteFrom('sessions')
          .where('id', 'in', db.selectFrom('sessions').select('id').where('expires', '<=', now).limit(limit))
          .executeTakeFirst(),
      );
      if (expired >= limit) return expired;
      const ended = deleted(
        await db
          .deleteFrom('sessions')
          .where(
            'id',
            'in',
            db
              .selectFrom('sessions')
              .select('id')
              .where('ended', 'is not', null)
              .where('ended', '<=', now)
              .limit(limit - expired),
          )
          .executeTakeFirst(),
      );
      return expired + ended;
    },
    endAllOfGrant: async (grantId, now) =>
      changed(
        await db
          .updateTable('sessions')
          .set({ ended: now })
          .where('id', 'in', (eb) =>
            eb
              .selectFrom('session_requests')
              .select('session_id')
              .where('grant_id', '=', grantId)
              .where('session_id', 'is not', null)
              .$narrowType<{ session_id: number }>(),
          )
          .where('ended', 'is', null)
          .where('expires', '>', now)
          .executeTakeFirst(),
      ),
  };
}
