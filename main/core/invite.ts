// Inviting another desktop of the same user: an existing device asks the server for a one-time pairing code.
import { PairingCodeIssued } from '../../protocol/index.js';
import type { Result } from './api.js';
import type { DeviceClient } from './device-client.js';

/** The reply is the plain PairingCodeIssued object (no bunq envelope), as the server documents it. */
export function issuePairingCode(device: DeviceClient): Promise<Result<PairingCodeIssued>> {
  return device.call(
    { method: 'POST', path: `/v1/user/${device.account.userId}/pairing-code` },
    PairingCodeIssued,
    'Issuing a pairing code',
  );
}
