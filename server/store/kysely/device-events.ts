// The enrolment audit trail: every pairing and removal of a device, with the names it shows read through the
// devices (rows that are revoked, never deleted).
import type { DeviceEventRepository, DeviceEventRow, Platform } from '../types.js';
import type { Db } from './db.js';

const selectEvents = (db: Db) =>
  db
    .selectFrom('device_events as e')
    .innerJoin('devices as d', 'd.id', 'e.device_id')
    .leftJoin('devices as b', 'b.id', 'e.by_device_id')
    .select([
      'e.id',
      'e.user_id as userId',
      'e.kind',
      'e.device_id as deviceId',
      'd.name as deviceName',
      'd.platform',
      'e.ip',
      'e.at',
      'e.by_device_id as byDeviceId',
      'b.name as byDeviceName',
    ]);

type Raw = Omit<DeviceEventRow, 'platform'> & { platform: string };
const row = (raw: Raw): DeviceEventRow => ({ ...raw, platform: raw.platform as Platform });

export function deviceEvents(db: Db): DeviceEventRepository {
  const byId = async (id: number) => {
    const raw = await selectEvents(db).where('e.id', '=', id).executeTakeFirst();
    return raw ? row(raw) : null;
  };
  return {
    record: async (event) => {
      const { id } = await db
        .insertInto('device_events')
        .values({
          user_id: event.userId,
          kind: event.kind,
          device_id: event.deviceId,
          ip: event.ip,
          at: event.at,
          by_device_id: event.byDeviceId,
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return (await byId(id))!;
    },
    byId,
    listByUser: async ({ userId, beforeId, limit }) =>
      (
        await selectEvents(db)
          .where('e.user_id', '=', userId)
          .$if(beforeId !== undefined, (query) => query.where('e.id', '<', beforeId!))
          .orderBy('e.id', 'desc')
          .limit(limit)
          .execute()
      ).map(row),
    since: async (time) => (await selectEvents(db).where('e.at', '>=', time).orderBy('e.id').execute()).map(row),
    after: async (id) => (await selectEvents(db).where('e.id', '>', id).orderBy('e.id').execute()).map(row),
    lastId: async () => {
      const newest = await db
        .selectFrom('device_events')
        .select('id')
        .orderBy('id', 'desc')
        .limit(1)
        .executeTakeFirst();
      return newest?.id ?? 0;
    },
  };
}
