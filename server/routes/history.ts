// GET /v1/user/{userID}/session-server-request: what happened to the user's session requests, newest first,
// auto-accepted sessions included.
import { z } from 'zod';
import { HistoryQuery, IdParam, SessionRequestHistory } from '../../protocol/index.js';
import { ApiError } from '../http/api-error.js';
import type { Router } from '../http/router.js';
import { historyEntryView } from '../views/wire.js';
import type { UnitOfWork } from '../store/types.js';

const DEFAULT_COUNT = 50;

export function historyRoutes(router: Router, store: UnitOfWork): void {
  router.deviceRoute({
    method: 'GET',
    url: '/v1/user/:userID/session-server-request',
    operationId: 'listSessionRequests',
    summary: "History of the user's session requests, newest first (paged with older_than).",
    params: z.object({ userID: IdParam }),
    query: HistoryQuery,
    responses: { 200: SessionRequestHistory },
    handler: async ({ params, query }) => readHistory(store, params.userID, query),
  });
}

/** One page of the user's history (the device route and the operator API's). */
export async function readHistory(store: UnitOfWork, userId: number, query: z.output<typeof HistoryQuery>) {
  return store.read(async (db) => {
    let beforeSeq: number | undefined;
    if (query.older_than !== undefined) {
      const anchor = await db.requests.byUuid(query.older_than);
      if (!anchor || anchor.userId !== userId) {
        throw new ApiError(400, 'older_than: no session request of this user has this uuid');
      }
      beforeSeq = anchor.seq;
    }
    const rows = await db.requests.history({
      userId,
      status: query.status,
      credentialId: query.credential_id,
      beforeSeq,
      limit: query.count ?? DEFAULT_COUNT,
    });
    return { Response: rows.map((row) => ({ SessionServerRequest: historyEntryView(row) })) };
  });
}
