// A PENDING session request: the requester polls it (long-poll), the owner's device decides it.
import { z } from 'zod';
import { Decision, DecisionResult, Header, SessionServerRequestRead, Uuid, WaitQuery } from '../../protocol/index.js';
import { claimHashOf } from '../http/claim.js';
import { clientIp } from '../http/client-ip.js';
import { abortOnCloseOrShutdown } from '../http/request-signal.js';
import type { Router } from '../http/router.js';
import { installationCall } from '../http/signed-call.js';
import { statusReadItems } from '../views/wire.js';
import type { Services } from '../services/index.js';

const UuidParams = z.object({ uuid: Uuid });

export function sessionServerRequestRoutes(router: Router, services: Services, shutdown: AbortSignal): void {
  router.route({
    method: 'GET',
    url: '/v1/session-server-request/:uuid',
    operationId: 'getSessionRequestStatus',
    summary: 'Status of a session request; ?wait=N holds the reply until it changes. The token comes once.',
    auth: 'api-key-requester',
    params: UuidParams,
    query: WaitQuery,
    responses: { 200: SessionServerRequestRead },
    handler: async ({ params, query, request, reply }) => {
      const claimHash = claimHashOf(request);
      // Stop waiting when the requester hangs up or the server shuts down.
      const stop = abortOnCloseOrShutdown(reply.raw, shutdown);
      const apiKey = request.headers[Header.CLIENT_AUTHENTICATION];
      const reader = { apiKey: typeof apiKey === 'string' ? apiKey : undefined, claimHash, ip: clientIp(request) };
      const { request: row, opened } = await services.approvals.readStatus(
        params.uuid,
        reader,
        query.wait ?? 0,
        stop,
        (credentialId) => services.installations.authenticate(installationCall(request), credentialId),
      );
      const online = await services.approvals.approverOnline(row.userId);
      return { Response: statusReadItems(row, online, opened) };
    },
  });

  router.deviceRouteRecordingInside({
    method: 'POST',
    url: '/v1/session-server-request/:uuid/decision',
    operationId: 'decideSessionRequest',
    summary: "The owner's signed decision: APPROVE or BLOCK. First decision wins (409 after), 410 once expired.",
    params: UuidParams,
    body: Decision,
    responses: { 200: DecisionResult },
    handler: async ({ params, body, call }) => {
      const outcome = await services.approvals.decide(call, params.uuid, body);
      return {
        Response: [
          {
            SessionServerRequest: {
              uuid: outcome.uuid,
              status: outcome.status,
              binding_mismatch: outcome.bindingMismatch,
            },
          },
        ],
      };
    },
  });
}
