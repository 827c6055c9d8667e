// Grants of one key, for the owner's devices: list, pre-authorise, revoke; and "this wasn't me".
import { z } from 'zod';
import {
  GrantCreate,
  GrantCreated,
  GrantList,
  GrantListQuery,
  GrantRevoked,
  GrantRevokeQuery,
  IdParam,
  NotMeResult,
} from '../../protocol/index.js';
import { grantView } from '../views/grant-views.js';
import type { Router } from '../http/router.js';
import type { Services } from '../services/index.js';

const KeyParams = z.object({ userID: IdParam, itemId: IdParam });
const GrantParams = z.object({ userID: IdParam, itemId: IdParam, grantId: IdParam });
const BASE = '/v1/user/:userID/credential-password-ip/:itemId';

export function grantRoutes(router: Router, services: Services, now: () => number): void {
  router.deviceRoute({
    method: 'GET',
    url: `${BASE}/grant`,
    operationId: 'listGrants',
    summary: "The key's grants, newest first: live ones (?status=all: every one, revoked, expired and used up too).",
    params: KeyParams,
    query: GrantListQuery,
    responses: { 200: GrantList },
    handler: async ({ params, query }) => {
      const rows = await services.grants.list(params.userID, params.itemId, query.status === 'all');
      const at = now();
      return { Response: rows.map((row) => ({ Grant: grantView(row, at) })) };
    },
  });

  router.deviceRoute({
    method: 'POST',
    url: `${BASE}/grant`,
    operationId: 'createGrant',
    summary:
      'Pre-authorise sessions of the key without a pending request: from an installation, a network or anywhere, for minutes and/or a number of sessions.',
    params: KeyParams,
    body: GrantCreate,
    responses: { 200: GrantCreated },
    handler: async ({ params, body, device }) => {
      const row = await services.grants.create(device, params.itemId, body);
      return { Response: [{ Id: { id: row.id } }, { Grant: grantView(row, now()) }] };
    },
  });

  router.deviceRoute({
    method: 'DELETE',
    url: `${BASE}/grant/:grantId`,
    operationId: 'revokeGrant',
    summary: 'Revoke a grant at once; ?end_sessions=true also ends the sessions it opened.',
    params: GrantParams,
    query: GrantRevokeQuery,
    responses: { 200: GrantRevoked },
    handler: async ({ params, query, device }) => {
      const { grant, sessionsEnded } = await services.grants.revoke(
        device,
        params.itemId,
        params.grantId,
        query.end_sessions === 'true',
      );
      return { Response: [{ Grant: grantView(grant, now()) }, { SessionsEnded: { count: sessionsEnded } }] };
    },
  });

  router.deviceRoute({
    method: 'POST',
    url: `${BASE}/this-was-not-me`,
    operationId: 'reportNotMe',
    summary:
      '"This wasn\'t me": revoke every live grant of the key, deactivate it and end its sessions, in one transaction.',
    params: KeyParams,
    responses: { 200: NotMeResult },
    handler: async ({ params, device }) => {
      const outcome = await services.grants.notMe(device, params.itemId);
      return {
        Response: [
          {
            NotMe: {
              credential_id: outcome.credentialId,
              grants_revoked: outcome.grantsRevoked,
              sessions_ended: outcome.sessionsEnded,
              requests_rejected: outcome.requestsRejected,
            },
          },
        ],
      };
    },
  });
}
