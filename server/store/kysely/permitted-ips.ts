import type { PermittedIpRepository } from '../types.js';
import type { Db } from './db.js';

const COLUMNS = ['id', 'credential_id as credentialId', 'ip', 'status', 'created', 'updated'] as const;

export function permittedIps(db: Db): PermittedIpRepository {
  return {
    create: (credentialId, ip, status, now) =>
      db
        .insertInto('permitted_ips')
        .values({ credential_id: credentialId, ip, status, created: now, updated: now })
        .returning(COLUMNS)
        .executeTakeFirstOrThrow(),
    byId: async (id) =>
      (await db.selectFrom('permitted_ips').select(COLUMNS).where('id', '=', id).executeTakeFirst()) ?? null,
    listByCredential: (credentialId) =>
      db.selectFrom('permitted_ips').select(COLUMNS).where('credential_id', '=', credentialId).orderBy('id').execute(),
    setStatus: async (id, status, now) => {
      await db.updateTable('permitted_ips').set({ status, updated: now }).where('id', '=', id).execute();
    },
  };
}
