import type { PermittedIpRepository, StoreKind } from '../types.js';
import type { Db } from './db.js';
import { prepared } from './prepared.js';

const COLUMNS = ['id', 'credential_id as credentialId', 'ip', 'status', 'created', 'updated'] as const;

// Every session attempt reads the key's IPs: built once (prepared.ts).
const BY_CREDENTIAL = prepared((db, _kind, credentialId: number) =>
  db.selectFrom('permitted_ips').select(COLUMNS).where('credential_id', '=', credentialId).orderBy('id'),
);

export function permittedIps(db: Db, kind: StoreKind): PermittedIpRepository {
  const byCredential = BY_CREDENTIAL(db, kind);
  return {
    create: (credentialId, ip, status, now) =>
      db
        .insertInto('permitted_ips')
        .values({ credential_id: credentialId, ip, status, created: now, updated: now })
        .returning(COLUMNS)
        .executeTakeFirstOrThrow(),
    byId: async (id) =>
      (await db.selectFrom('permitted_ips').select(COLUMNS).where('id', '=', id).executeTakeFirst()) ?? null,
    listByCredential: async (credentialId) => (await byCredential(credentialId)).rows,
    setStatus: async (id, status, now) => {
      await db.updateTable('permitted_ips').set({ status, updated: now }).where('id', '=', id).execute();
    },
  };
}
