// Inviting another desktop of the same user: an existing device asks the server for a one-time pairing code.
import { z } from 'zod';
import { PairingCodeIssued } from '../../protocol/index.js';
import type { Result } from './api.js';
import type { DeviceClient } from './device-client.js';
import { ok } from './result.js';

const PairingCodeReply = z.object({ Response: z.tuple([z.object({ PairingCode: PairingCodeIssued })]) });

export async function issuePairingCode(device: DeviceClient): Promise<Result<PairingCodeIssued>> {
  const reply = await device.call(
    { method: 'POST', path: `/v1/user/${device.account.userId}/pairing-code` },
    PairingCodeReply,
    'Issuing a pairing code',
  );
  return reply.ok ? ok(reply.value.Response[0].PairingCode) : reply;
}
