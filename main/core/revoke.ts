// Withdrawing this desktop's device from the server when an account is removed.
import type { Result } from './api.js';
import type { DeviceClient } from './device-client.js';
import { ok } from './result.js';

/**
 * Signed DELETE of the device, when the server can be reached. Only a keychain that cannot be read stops the
 * removal (the user can unlock it and retry); an unreachable server or a device it no longer knows does not,
 * since nothing better can be done from here — the device can also be removed from another one.
 */
export async function revokeDevice(device: DeviceClient): Promise<Result<void>> {
  const signer = await device.signer();
  if (!signer.ok) {
    return signer.error.code === 'KEYCHAIN_LOCKED' || signer.error.code === 'KEYCHAIN_UNAVAILABLE'
      ? signer
      : ok(undefined);
  }
  await device.send({ method: 'DELETE', path: `/v1/approver-device/${device.account.deviceId}` });
  return ok(undefined);
}
