// What happened, as the user's devices (and the operator) read it back: the user's session requests, newest first
// (auto-accepted sessions included), and the enrolment audit trail of the user's devices. Reads only.
import type { z } from 'zod';
import type { DeviceEventQuery, HistoryQuery } from '../../protocol/index.js';
import { Refusal } from '../domain/refusal.js';
import type { DeviceEventRow, SessionRequestRow } from '../store/types.js';
import type { ServiceContext } from './context.js';

/** Entries per page when the caller names no count. */
export const DEFAULT_PAGE_SIZE = 50;

export class HistoryService {
  constructor(private readonly ctx: ServiceContext) {}

  /** One page of the user's session requests, newest first; older_than must be one of the user's own. */
  requests(userId: number, query: z.output<typeof HistoryQuery>): Promise<SessionRequestRow[]> {
    return this.ctx.store.read(async (db) => {
      let beforeSeq: number | undefined;
      if (query.older_than !== undefined) {
        const anchor = await db.requests.byUuid(query.older_than);
        if (!anchor || anchor.userId !== userId) {
          throw new Refusal('invalid', 'older_than: no session request of this user has this uuid');
        }
        beforeSeq = anchor.seq;
      }
      return db.requests.history({
        userId,
        status: query.status,
        credentialId: query.credential_id,
        beforeSeq,
        limit: query.count ?? DEFAULT_PAGE_SIZE,
      });
    });
  }

  /** One page of the pairings and removals of the user's devices, newest first. */
  deviceEvents(userId: number, query: z.output<typeof DeviceEventQuery>): Promise<DeviceEventRow[]> {
    return this.ctx.store.read((db) =>
      db.deviceEvents.listByUser({ userId, beforeId: query.older_than, limit: query.count ?? DEFAULT_PAGE_SIZE }),
    );
  }
}
