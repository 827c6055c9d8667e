import type { DeviceRepository, DeviceRow, Platform, StoreKind } from '../types.js';
import { changed, type Db } from './db.js';
import { prepared } from './prepared.js';

// The user's name by scalar sub-select rather than JOIN: SQLite reads a joined row's columns several times slower
// (see selectRequests in requests.ts). A device always has its user (foreign key).
const selectDevices = (db: Db) =>
  db
    .selectFrom('devices as d')
    .select((eb) => [
      'd.id',
      'd.user_id as userId',
      eb.selectFrom('users as u').select('u.name').whereRef('u.id', '=', 'd.user_id').as('userName'),
      'd.name',
      'd.platform',
      'd.public_key as publicKey',
      'd.created',
      'd.last_seen as lastSeen',
      'd.revoked',
    ])
    .$narrowType<{ userName: string }>();

// Every signed call reads its device: built once (prepared.ts).
const BY_ID = prepared((db, _kind, id: number) => selectDevices(db).where('d.id', '=', id));

export function devices(db: Db, kind: StoreKind): DeviceRepository {
  const select = () => selectDevices(db);
  const byId = BY_ID(db, kind);
  const read = async (id: number): Promise<DeviceRow | null> => {
    const row = (await byId(id)).rows[0];
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
    revoke: async (id, now) =>
      changed(
        await db
          .updateTable('devices')
          .set({ revoked: now })
          .where('id', '=', id)
          .where('revoked', 'is', null)
          .executeTakeFirst(),
      ) === 1,
    revokedSince: async (since) =>
      (await db.selectFrom('devices').select('id').where('revoked', '>=', since).execute()).map((row) => row.id),
  };
}
