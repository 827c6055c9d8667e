// bunq's …/credential-password-ip/{id}/ip: the IPs a key may be used from. An IP is immutable: to change it, set
// it INACTIVE and add another.
import { z } from 'zod';
import {
  IdParam,
  PermittedIpCreate,
  PermittedIpCreated,
  PermittedIpList,
  PermittedIpRead,
  PermittedIpUpdate,
} from '../../protocol/index.js';
import type { Router } from '../http/router.js';
import { permittedIpView } from '../views/wire.js';
import type { Services } from '../services/index.js';

const ListParams = z.object({ userID: IdParam, credentialId: IdParam });
const ItemParams = z.object({ userID: IdParam, credentialId: IdParam, itemId: IdParam });
const BASE = '/v1/user/:userID/credential-password-ip/:credentialId/ip';

export function permittedIpRoutes(router: Router, services: Services): void {
  router.deviceRoute({
    method: 'GET',
    url: BASE,
    operationId: 'listPermittedIps',
    summary: "List an API key's permitted IPs.",
    params: ListParams,
    responses: { 200: PermittedIpList },
    handler: async ({ params }) => ({
      Response: (await services.credentials.listIps(params.userID, params.credentialId)).map((row) => ({
        PermittedIp: permittedIpView(row),
      })),
    }),
  });

  router.deviceRoute({
    method: 'POST',
    url: BASE,
    operationId: 'createPermittedIp',
    summary: 'Add a permitted IP (one address, or "*" for any); status defaults to ACTIVE.',
    params: ListParams,
    body: PermittedIpCreate,
    responses: { 200: PermittedIpCreated },
    handler: async ({ params, body }) => {
      const row = await services.credentials.addIp(
        params.userID,
        params.credentialId,
        body.ip,
        body.status ?? 'ACTIVE',
      );
      return { Response: [{ Id: { id: row.id } }] };
    },
  });

  router.deviceRoute({
    method: 'GET',
    url: `${BASE}/:itemId`,
    operationId: 'getPermittedIp',
    summary: 'Read one permitted IP.',
    params: ItemParams,
    responses: { 200: PermittedIpRead },
    handler: async ({ params }) => ({
      Response: [
        {
          PermittedIp: permittedIpView(
            await services.credentials.readIp(params.userID, params.credentialId, params.itemId),
          ),
        },
      ],
    }),
  });

  router.deviceRoute({
    method: 'PUT',
    url: `${BASE}/:itemId`,
    operationId: 'updatePermittedIp',
    summary: 'Set a permitted IP ACTIVE or INACTIVE (its address cannot change).',
    params: ItemParams,
    body: PermittedIpUpdate,
    responses: { 200: PermittedIpCreated },
    handler: async ({ params, body }) => {
      const row = await services.credentials.updateIp(params.userID, params.credentialId, params.itemId, body);
      return { Response: [{ Id: { id: row.id } }] };
    },
  });
}
