// GET /v1/user/{userID}/session-server-request: what happened to the user's session requests, newest first,
// auto-accepted sessions included.
import { z } from 'zod';
import { HistoryQuery, IdParam, SessionRequestHistory } from '../../protocol/index.js';
import type { Router } from '../http/router.js';
import type { Services } from '../services/index.js';
import type { SessionRequestRow } from '../store/types.js';
import { historyEntryView } from '../views/wire.js';

export function historyRoutes(router: Router, services: Services): void {
  router.deviceRoute({
    method: 'GET',
    url: '/v1/user/:userID/session-server-request',
    operationId: 'listSessionRequests',
    summary: "History of the user's session requests, newest first (paged with older_than).",
    params: z.object({ userID: IdParam }),
    query: HistoryQuery,
    responses: { 200: SessionRequestHistory },
    handler: async ({ params, query }) => historyPage(await services.history.requests(params.userID, query)),
  });
}

/** A page of history as the wire has it (the device route and the operator API's). */
export function historyPage(rows: SessionRequestRow[]) {
  return { Response: rows.map((row) => ({ SessionServerRequest: historyEntryView(row) })) };
}
