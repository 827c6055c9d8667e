// The operator API: the API provider's backend provisions users, keys, pairing codes and devices over HTTP, and
// reads the history, with the operator token (Bearer, --operator-token-file). The same service as countersign-admin
// (services/operator.ts); without a configured token every call is 401.
import { timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import {
  ApproverDevice,
  CredentialPasswordIpList,
  CredentialUpdate,
  CredentialUpdated,
  CredentialCreated,
  HistoryQuery,
  IdParam,
  OperatorKeyCreate,
  OperatorPairingCodeCreate,
  OperatorUserCreate,
  OperatorUserCreated,
  OperatorUserList,
  OperatorUserRemoved,
  PairingCodeIssued,
  pairingUrl,
  SessionRequestHistory,
} from '../../protocol/index.js';
import { ApiError } from '../http/api-error.js';
import { requestOrigin } from '../http/client-ip.js';
import type { Router } from '../http/router.js';
import { credentialView, deviceView, iso, userView } from '../views/wire.js';
import type { Services } from '../services/index.js';
import { hashSecret } from '../secrets.js';
import { historyPage } from './history.js';

const OPERATOR_AUTH = 'Operator authentication failed: give Authorization: Bearer and the operator token.';
const EmptyResponse = z.object({ Response: z.tuple([]) });
const DeviceList = z.object({ Response: z.array(z.object({ ApproverDevice })) });
const UserParams = z.object({ userID: IdParam });
const KeyParams = z.object({ userID: IdParam, itemId: IdParam });
const DeviceParams = z.object({ userID: IdParam, id: IdParam });

/** Checks the Bearer token against the configured hash: equal-length digests, compared in constant time. */
export function operatorAuthorizer(tokenHash: string | null) {
  const expected = tokenHash === null ? null : Buffer.from(tokenHash, 'hex');
  return (authorization: string | string[] | undefined) => {
    const match = typeof authorization === 'string' ? /^Bearer (\S+)$/.exec(authorization) : null;
    if (!expected || !match) throw new ApiError(401, OPERATOR_AUTH);
    if (!timingSafeEqual(Buffer.from(hashSecret(match[1]!), 'hex'), expected)) throw new ApiError(401, OPERATOR_AUTH);
  };
}

export function operatorRoutes(router: Router, services: Services, tokenHash: string | null): void {
  const check = operatorAuthorizer(tokenHash);
  const guard = (request: { headers: Record<string, string | string[] | undefined> }) =>
    check(request.headers.authorization);
  const operator = services.operator;

  router.guardedRoute(
    {
      method: 'POST',
      url: '/v1/operator/user',
      operationId: 'operatorCreateUser',
      summary: "Create a user named by the provider's own id for it (409 when taken).",
      auth: 'operator-token',
      body: OperatorUserCreate,
      responses: { 200: OperatorUserCreated },
      handler: async ({ body }) => {
        const user = await operator.createUser(body.name);
        return { Response: [{ Id: { id: user.id } }, { OperatorUser: userView(user) }] };
      },
    },
    guard,
  );

  router.guardedRoute(
    {
      method: 'GET',
      url: '/v1/operator/user',
      operationId: 'operatorListUsers',
      summary: 'Every user, removed ones included (removed is set), by id.',
      auth: 'operator-token',
      responses: { 200: OperatorUserList },
      handler: async () => ({ Response: (await operator.listUsers()).map((u) => ({ OperatorUser: userView(u) })) }),
    },
    guard,
  );

  router.guardedRoute(
    {
      method: 'DELETE',
      url: '/v1/operator/user/:userID',
      operationId: 'operatorRemoveUser',
      summary: 'Remove a user: keys deactivated, devices removed, pairing codes ended, all at once.',
      auth: 'operator-token',
      params: UserParams,
      responses: { 200: OperatorUserRemoved },
      handler: async ({ params }) => {
        const removed = await operator.removeUser(params.userID);
        return {
          Response: [
            { OperatorUser: userView(removed.user) },
            { OperatorUserRemoval: { keys_deactivated: removed.keys, devices_removed: removed.devices } },
          ],
        };
      },
    },
    guard,
  );

  router.guardedRoute(
    {
      method: 'POST',
      url: '/v1/operator/user/:userID/credential-password-ip',
      operationId: 'operatorCreateKey',
      summary: 'Create a key (its value shown once), or register one the provider issued by its key_sha256.',
      auth: 'operator-token',
      params: UserParams,
      body: OperatorKeyCreate,
      responses: { 200: CredentialCreated },
      handler: async ({ params, body }) => {
        const key = {
          name: body.name,
          mode: body.mode,
          numberMatching: body.number_matching,
          allowCodeFallback: body.allow_code_fallback,
          ips: body.ips,
        };
        if (body.key_sha256 !== undefined) {
          const credential = await operator.registerKey(params.userID, key, body.key_sha256);
          return { Response: [{ Id: { id: credential.id } }, { CredentialPasswordIp: credentialView(credential) }] };
        }
        const { credential, apiKey } = await operator.createKey(params.userID, key);
        return {
          Response: [{ Id: { id: credential.id } }, { CredentialPasswordIp: credentialView(credential, apiKey) }],
        };
      },
    },
    guard,
  );

  router.guardedRoute(
    {
      method: 'GET',
      url: '/v1/operator/user/:userID/credential-password-ip',
      operationId: 'operatorListKeys',
      summary: "The user's keys (never their values).",
      auth: 'operator-token',
      params: UserParams,
      responses: { 200: CredentialPasswordIpList },
      handler: async ({ params }) => ({
        Response: (await operator.listKeys(params.userID)).map((row) => ({
          CredentialPasswordIp: credentialView(row),
        })),
      }),
    },
    guard,
  );

  router.guardedRoute(
    {
      method: 'PUT',
      url: '/v1/operator/user/:userID/credential-password-ip/:itemId',
      operationId: 'operatorUpdateKey',
      summary: 'Change a key: mode, name, number matching, code fallback; status INACTIVE deactivates it.',
      auth: 'operator-token',
      params: KeyParams,
      body: CredentialUpdate,
      responses: { 200: CredentialUpdated },
      handler: async ({ params, body }) => {
        const updated = await operator.updateKey(params.userID, params.itemId, {
          status: body.status,
          mode: body.mode,
          name: body.name,
          numberMatching: body.number_matching,
          allowCodeFallback: body.allow_code_fallback,
        });
        return { Response: [{ Id: { id: updated.id } }, { CredentialPasswordIp: credentialView(updated) }] };
      },
    },
    guard,
  );

  router.guardedRoute(
    {
      method: 'POST',
      url: '/v1/operator/user/:userID/pairing-code',
      operationId: 'operatorCreatePairingCode',
      summary: 'A one-time pairing code for a new device of the user (plain object, no envelope).',
      auth: 'operator-token',
      params: UserParams,
      body: OperatorPairingCodeCreate.optional(),
      responses: { 200: PairingCodeIssued },
      handler: async ({ params, body, request }) => {
        const server = (body?.server ?? requestOrigin(request)).replace(/\/+$/, '');
        const issued = await operator.pairingCode(params.userID);
        return { pairing_url: pairingUrl(server, issued.code), code: issued.code, expires_at: iso(issued.expiresAt) };
      },
    },
    guard,
  );

  router.guardedRoute(
    {
      method: 'GET',
      url: '/v1/operator/user/:userID/approver-device',
      operationId: 'operatorListDevices',
      summary: "The user's paired devices (removed ones are not listed).",
      auth: 'operator-token',
      params: UserParams,
      responses: { 200: DeviceList },
      handler: async ({ params }) => ({
        Response: (await operator.listDevices(params.userID)).map((row) => ({ ApproverDevice: deviceView(row) })),
      }),
    },
    guard,
  );

  router.guardedRoute(
    {
      method: 'DELETE',
      url: '/v1/operator/user/:userID/approver-device/:id',
      operationId: 'operatorRemoveDevice',
      summary: "Remove a device of the user; the user's other devices are told.",
      auth: 'operator-token',
      params: DeviceParams,
      responses: { 200: EmptyResponse },
      handler: async ({ params }) => {
        await operator.removeDevice(params.userID, params.id);
        return { Response: [] };
      },
    },
    guard,
  );

  router.guardedRoute(
    {
      method: 'GET',
      url: '/v1/operator/user/:userID/session-server-request',
      operationId: 'operatorListSessionRequests',
      summary: "History of the user's session requests, newest first (paged with older_than).",
      auth: 'operator-token',
      params: UserParams,
      query: HistoryQuery,
      responses: { 200: SessionRequestHistory },
      handler: async ({ params, query }) => {
        await operator.user(params.userID);
        return historyPage(await services.history.requests(params.userID, query));
      },
    },
    guard,
  );
}
