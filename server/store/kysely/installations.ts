// Requester installations: a program's public key, registered with one API key; and the signatures it made, kept
// against replay (as seen-signatures.ts does for devices, in a table of its own).
import type { InstallationRepository, InstallationRow, RequesterSignatureRepository } from '../types.js';
import { type Db, pruneAging } from './db.js';

const COLUMNS = [
  'id',
  'credential_id as credentialId',
  'public_key as publicKey',
  'name',
  'created',
  'last_used as lastUsed',
  'sessions_opened as sessionsOpened',
] as const;

export function installations(db: Db): InstallationRepository {
  const select = () => db.selectFrom('requester_installations').select(COLUMNS);
  const byKey = async (credentialId: number, publicKey: string) =>
    ((await select()
      .where('credential_id', '=', credentialId)
      .where('public_key', '=', publicKey)
      .executeTakeFirst()) as InstallationRow | undefined) ?? null;
  return {
    register: async (i) => {
      // The same key registered twice with the same API key is the same installation (a requester that lost the
      // reply registers again); the conflict leaves the row as it was.
      await db
        .insertInto('requester_installations')
        .values({ credential_id: i.credentialId, public_key: i.publicKey, name: i.name, created: i.created })
        .onConflict((conflict) => conflict.columns(['credential_id', 'public_key']).doNothing())
        .execute();
      return (await byKey(i.credentialId, i.publicKey))!;
    },
    byKey,
    byId: async (id) =>
      ((await select().where('id', '=', id).executeTakeFirst()) as InstallationRow | undefined) ?? null,
    countByCredential: async (credentialId) =>
      Number(
        (
          await db
            .selectFrom('requester_installations')
            .select((eb) => eb.fn.countAll<number>().as('n'))
            .where('credential_id', '=', credentialId)
            .executeTakeFirstOrThrow()
        ).n,
      ),
    recordUse: async (id, now, sessionOpened) => {
      await db
        .updateTable('requester_installations')
        .set((eb) => ({
          last_used: now,
          sessions_opened: sessionOpened ? eb('sessions_opened', '+', 1) : eb.ref('sessions_opened'),
        }))
        .where('id', '=', id)
        .execute();
    },
  };
}

export function requesterSignatures(db: Db): RequesterSignatureRepository {
  return {
    remember: async (installationId, signature, now) => {
      const result = await db
        .insertInto('requester_signatures')
        .values({ installation_id: installationId, signature, seen_at: now })
        .onConflict((conflict) => conflict.doNothing())
        .executeTakeFirst();
      return Number(result.numInsertedOrUpdatedRows ?? 0n) === 1;
    },
    pruneOlderThan: (time, limit) => pruneAging(db, 'requester_signatures', time, limit),
  };
}
