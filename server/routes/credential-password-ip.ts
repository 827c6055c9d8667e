// bunq's user/{userID}/credential-password-ip, field for field, plus the extensions: create (the key's value shown
// once) and update (status, mode, name, number matching).
import { z } from 'zod';
import {
  CredentialCreate,
  CredentialCreated,
  CredentialPasswordIpList,
  CredentialPasswordIpRead,
  CredentialUpdate,
  CredentialUpdated,
  IdParam,
} from '../../protocol/index.js';
import type { Router } from '../http/router.js';
import { credentialView } from '../views/wire.js';
import type { Services } from '../services/index.js';

const UserParams = z.object({ userID: IdParam });
const ItemParams = z.object({ userID: IdParam, itemId: IdParam });

export function credentialRoutes(router: Router, services: Services): void {
  router.deviceRoute({
    method: 'GET',
    url: '/v1/user/:userID/credential-password-ip',
    operationId: 'listCredentials',
    summary: "List the user's API keys.",
    params: UserParams,
    responses: { 200: CredentialPasswordIpList },
    handler: async ({ params }) => ({
      Response: (await services.credentials.list(params.userID)).map((row) => ({
        CredentialPasswordIp: credentialView(row),
      })),
    }),
  });

  router.deviceRoute({
    method: 'GET',
    url: '/v1/user/:userID/credential-password-ip/:itemId',
    operationId: 'getCredential',
    summary: 'Read one API key.',
    params: ItemParams,
    responses: { 200: CredentialPasswordIpRead },
    handler: async ({ params }) => ({
      Response: [
        { CredentialPasswordIp: credentialView(await services.credentials.read(params.userID, params.itemId)) },
      ],
    }),
  });

  router.deviceRoute({
    method: 'POST',
    url: '/v1/user/:userID/credential-password-ip',
    operationId: 'createCredential',
    summary: 'Create an API key (extension). token_value appears in this reply only.',
    params: UserParams,
    body: CredentialCreate,
    responses: { 200: CredentialCreated },
    handler: async ({ params, body }) => {
      const { credential, apiKey } = await services.credentials.create(params.userID, {
        name: body.name,
        mode: body.mode,
        numberMatching: body.number_matching,
        codeLength: body.code_length,
        allowCodeFallback: body.allow_code_fallback,
        ips: body.ips,
      });
      return {
        Response: [{ Id: { id: credential.id } }, { CredentialPasswordIp: credentialView(credential, apiKey) }],
      };
    },
  });

  router.deviceRoute({
    method: 'PUT',
    url: '/v1/user/:userID/credential-password-ip/:itemId',
    operationId: 'updateCredential',
    summary:
      'Change an API key (extension): status ACTIVE/INACTIVE (ACTIVE lifts a lock), mode, name, number matching, code fallback.',
    params: ItemParams,
    body: CredentialUpdate,
    responses: { 200: CredentialUpdated },
    handler: async ({ params, body }) => {
      const credential = await services.credentials.update(params.userID, params.itemId, {
        status: body.status,
        mode: body.mode,
        name: body.name,
        numberMatching: body.number_matching,
        codeLength: body.code_length,
        allowCodeFallback: body.allow_code_fallback,
      });
      return { Response: [{ Id: { id: credential.id } }, { CredentialPasswordIp: credentialView(credential) }] };
    },
  });
}
