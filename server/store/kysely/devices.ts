import type { DeviceRepository, DeviceRow, Platform } from '../types.js';
import type { Db } from './db.js';

export function devices(db: Db): DeviceRepository {
  const select = () =>
    db
      .selectFrom('devices as d')
      .innerJoin('users as u', 'u.id', 'd.user_id')
      .select([
        'd.id',
        'd.user_id as userId',
        'u.name as userName',
        'd.name',
        'd.platform',
        'd.public_key as publicKey',
        'd.created',
        'd.last_seen as lastSeen',
        'd.revoked',
      ]);
  const read = async (id: number): Promise<DeviceRow | null> => {
    const row = await select().where('d.id', '=', id).executeTakeFirst();
    return row ? { ...row, platform: row.platform as Platform } : null;
  };
  return {
    create: async (device) => {
      const { id } = await db
        .insertInto('devices')
        .values({
          user_id: device.userId,
          name: device.name,
          platform: device.platform,
          public_key: device.publicKey,
          created: device.created,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return (await read(id))!;
    },
    byId: read,
    listByUser: async (userId) =>
      (await select().where('d.user_id', '=', userId).where('d.revoked', 'is', null).orderBy('d.id').execute()).map(
        (row) => ({ ...row, platform: row.platform as Platform }),
      ),
    touch: async (id, now) => {
      await db.updateTable('devices').set({ last_seen: now }).where('id', '=', id).execute();
    },
    revoke: async (id, now) => {
      await db.updateTable('devices').set({ revoked: now }).where('id', '=', id).where('revoked', 'is', null).execute();
    },
    revokedSince: async (since) =>
      (await db.selectFrom('devices').select('id').where('revoked', '>=', since).execute()).map((row) => row.id),
  };
}
