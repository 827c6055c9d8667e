// Grants of a key: what they cover, their window and use count, and whether they were revoked. consume() and
// revoke() are conditional single statements; the service runs them under the key's hold (credentials.hold), so
// counting uses against max_uses cannot interleave across instances.
import type { Selectable } from 'kysely';
import type { GrantsTable } from '../schema.js';
import type { GrantRepository, GrantRow } from '../types.js';
import { changed, type Db } from './db.js';

type Raw = Selectable<GrantsTable> & { installation_name: string | null; installation_public_key: string | null };

function row(raw: Raw): GrantRow {
  return {
    id: raw.id,
    credentialId: raw.credential_id,
    userId: raw.user_id,
    kind: raw.kind,
    installationId: raw.installation_id,
    installationName: raw.installation_name,
    installationPublicKey: raw.installation_public_key,
    network: raw.network,
    created: raw.created,
    createdByDeviceId: raw.created_by_device_id,
    requestUuid: raw.request_uuid,
    expiresAt: raw.expires_at,
    maxUses: raw.max_uses,
    uses: raw.uses,
    lastUsed: raw.last_used,
    revokedAt: raw.revoked_at,
    revokedByDeviceId: raw.revoked_by_device_id,
  };
}

const selectGrants = (db: Db) =>
  db
    .selectFrom('grants as g')
    .selectAll('g')
    // By scalar sub-select rather than LEFT JOIN: SQLite reads a joined row's columns several times slower (see
    // selectRequests in requests.ts).
    .select((eb) => [
      eb
        .selectFrom('requester_installations as i')
        .select('i.name')
        .whereRef('i.id', '=', 'g.installation_id')
        .as('installation_name'),
      eb
        .selectFrom('requester_installations as i')
        .select('i.public_key')
        .whereRef('i.id', '=', 'g.installation_id')
        .as('installation_public_key'),
    ]);

export function grants(db: Db): GrantRepository {
  const byId = async (id: number) => {
    const raw = await selectGrants(db).where('g.id', '=', id).executeTakeFirst();
    return raw ? row(raw as Raw) : null;
  };
  return {
    create: async (g) => {
      const { id } = await db
        .insertInto('grants')
        .values({
          credential_id: g.credentialId,
          user_id: g.userId,
          kind: g.kind,
          installation_id: g.installationId,
          network: g.network,
          created: g.created,
          created_by_device_id: g.createdByDeviceId,
          request_uuid: g.requestUuid,
          expires_at: g.expiresAt,
          max_uses: g.maxUses,
          changed_at: g.created,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return (await byId(id))!;
    },
    byId,
    listByCredential: async (credentialId, liveAt) =>
      (
        await selectGrants(db)
          .where('g.credential_id', '=', credentialId)
          .$if(liveAt !== undefined, (q) =>
            q
              .where('g.revoked_at', 'is', null)
              .where('g.expires_at', '>', liveAt!)
              .where((eb) => eb.or([eb('g.max_uses', 'is', null), eb('g.uses', '<', eb.ref('g.max_uses'))])),
          )
          .orderBy('g.id', 'desc')
          .execute()
      ).map((raw) => row(raw as Raw)),
    consume: async (id, now) =>
      changed(
        await db
          .updateTable('grants')
          .set((eb) => ({ uses: eb('uses', '+', 1), last_used: now, changed_at: now }))
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .where('expires_at', '>', now)
          .where((eb) => eb.or([eb('max_uses', 'is', null), eb('uses', '<', eb.ref('max_uses'))]))
          .executeTakeFirst(),
      ) === 1,
    revoke: async (id, now, byDeviceId) =>
      changed(
        await db
          .updateTable('grants')
          .set({ revoked_at: now, revoked_by_device_id: byDeviceId, changed_at: now })
          .where('id', '=', id)
          .where('revoked_at', 'is', null)
          .executeTakeFirst(),
      ) === 1,
    changedSince: async (since) =>
      (await selectGrants(db).where('g.changed_at', '>=', since).orderBy('g.id').execute()).map((raw) =>
        row(raw as Raw),
      ),
  };
}
