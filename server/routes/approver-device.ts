// Approver devices: pairing with a one-time code, the device list, removal, and inviting another device.
import { z } from 'zod';
import {
  ApproverDevice,
  ApproverDeviceCreate,
  ApproverDeviceCreated,
  IdParam,
  PairingCodeIssued,
  pairingUrl,
} from '../../protocol/index.js';
import { base32Encode, otpauthUri } from '../../protocol/totp.js';
import { clientIp, requestOrigin } from '../http/client-ip.js';
import type { Router } from '../http/router.js';
import { deviceView, iso } from '../views/wire.js';
import type { Services } from '../services/index.js';

const EmptyResponse = z.object({ Response: z.tuple([]) });
const DeviceList = z.object({ Response: z.array(z.object({ ApproverDevice })) });

export function approverDeviceRoutes(router: Router, services: Services): void {
  router.route({
    method: 'POST',
    url: '/v1/approver-device',
    operationId: 'pairDevice',
    summary: 'Pair a device: register its Ed25519 public key with a one-time pairing code.',
    auth: 'none',
    body: ApproverDeviceCreate,
    responses: { 200: ApproverDeviceCreated },
    handler: async ({ body, request }) => {
      const { device, totpSecret } = await services.pairing.pair({
        pairingCode: body.pairing_code,
        publicKey: body.public_key,
        name: body.name,
        platform: body.platform,
        ip: clientIp(request),
      });
      const secret = base32Encode(totpSecret);
      return {
        Response: [
          { Id: { id: device.id } },
          { ApproverDevice: deviceView(device) },
          {
            ApproverDeviceTotp: {
              totp_secret: secret,
              otpauth_uri: otpauthUri(secret, 'Countersign', `${device.userName} (${device.name})`),
            },
          },
        ],
      };
    },
  });

  router.deviceRoute({
    method: 'DELETE',
    url: '/v1/approver-device/:id',
    operationId: 'removeOwnDevice',
    summary: 'Remove a device of your user (usually the calling device itself, when it unpairs).',
    params: z.object({ id: IdParam }),
    responses: { 200: EmptyResponse },
    handler: async ({ params, device, request }) => {
      await services.devices.revoke(device, params.id, clientIp(request));
      return { Response: [] };
    },
  });

  router.deviceRoute({
    method: 'DELETE',
    url: '/v1/user/:userID/approver-device/:id',
    operationId: 'removeDevice',
    summary: 'Remove a device of your user.',
    params: z.object({ userID: IdParam, id: IdParam }),
    responses: { 200: EmptyResponse },
    handler: async ({ params, device, request }) => {
      await services.devices.revoke(device, params.id, clientIp(request));
      return { Response: [] };
    },
  });

  router.deviceRoute({
    method: 'GET',
    url: '/v1/user/:userID/approver-device',
    operationId: 'listDevices',
    summary: "List your user's paired devices.",
    params: z.object({ userID: IdParam }),
    responses: { 200: DeviceList },
    handler: async ({ params }) => ({
      Response: (await services.devices.list(params.userID)).map((row) => ({ ApproverDevice: deviceView(row) })),
    }),
  });

  router.deviceRoute({
    method: 'POST',
    url: '/v1/user/:userID/pairing-code',
    operationId: 'createPairingCode',
    summary: 'Invite another device: a new one-time pairing code for your user (plain object, no envelope).',
    params: z.object({ userID: IdParam }),
    body: z.strictObject({}).optional(),
    responses: { 200: PairingCodeIssued },
    handler: async ({ params, request, device }) => {
      // The origin first: a bad X-Forwarded-Host is a 400 before any code exists.
      const server = requestOrigin(request);
      const issued = await services.pairing.issue(params.userID, device.id);
      return { pairing_url: pairingUrl(server, issued.code), code: issued.code, expires_at: iso(issued.expiresAt) };
    },
  });
}
