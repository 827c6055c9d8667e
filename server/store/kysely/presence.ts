// Which server instances hold a push stream of which user, on the PostgreSQL database they share: one row per
// instance and user (not per stream, so 10 000 streams cost no more writes than their users do), and one heartbeat
// row per instance. A user is online while some row of theirs belongs to an instance whose heartbeat is recent: an
// instance that died (kill -9) stops beating, and its rows stop counting without anyone deleting them.
import type { PresenceRepository } from '../types.js';
import type { Db } from './db.js';

export function presence(db: Db): PresenceRepository {
  return {
    beat: async (instanceId, now) => {
      await db
        .insertInto('server_instances')
        .values({ instance_id: instanceId, heartbeat_at: now })
        .onConflict((conflict) => conflict.column('instance_id').doUpdateSet({ heartbeat_at: now }))
        .execute();
    },
    set: async (instanceId, userId, online, now) => {
      if (online) {
        await db
          .insertInto('approver_presence')
          .values({ instance_id: instanceId, user_id: userId, since: now })
          .onConflict((conflict) => conflict.columns(['user_id', 'instance_id']).doNothing())
          .execute();
      } else {
        await db
          .deleteFrom('approver_presence')
          .where('instance_id', '=', instanceId)
          .where('user_id', '=', userId)
          .execute();
      }
    },
    online: async (userId, aliveSince) => {
      const row = await db
        .selectFrom('approver_presence as p')
        .innerJoin('server_instances as i', 'i.instance_id', 'p.instance_id')
        .select('p.user_id')
        .where('p.user_id', '=', userId)
        .where('i.heartbeat_at', '>=', aliveSince)
        .limit(1)
        .executeTakeFirst();
      return row !== undefined;
    },
    forget: async (instanceId) => {
      await db.deleteFrom('approver_presence').where('instance_id', '=', instanceId).execute();
      await db.deleteFrom('server_instances').where('instance_id', '=', instanceId).execute();
    },
    pruneSilentSince: async (time) => {
      const silent = db.selectFrom('server_instances').select('instance_id').where('heartbeat_at', '<', time);
      await db.deleteFrom('approver_presence').where('instance_id', 'in', silent).execute();
      await db.deleteFrom('server_instances').where('heartbeat_at', '<', time).execute();
    },
  };
}
