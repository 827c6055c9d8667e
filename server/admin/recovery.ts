// countersign-admin's commands for an operator whose user lost every device (or must throw one out): list and
// remove the user's devices, list the user's keys and deactivate one. A removal or deactivation tells the user's
// connected devices, as when a device does it.
import { credentialView, iso } from '../views/wire.js';
import { type AdminCommands, AdminError } from './commands.js';

/** An id flag's value: a positive whole number, or an AdminError naming the flag. */
export function idOption(value: string | undefined, flag: string, what: string): number {
  if (value === undefined || value === '') throw new AdminError(`${flag} ID is required.`);
  if (!/^[1-9][0-9]{0,15}$/.test(value)) {
    throw new AdminError(`${flag} must be ${what} id, a positive whole number (got "${value}").`);
  }
  return Number(value);
}

export interface AdminDevice {
  id: number;
  name: string;
  platform: string;
  created: string;
  last_seen: string | null;
}

export async function listDevices(admin: AdminCommands, userName: string) {
  const user = await admin.user(userName);
  const devices = await (await admin.operator()).listDevices(user.id);
  return {
    user: { id: user.id, name: user.name },
    devices: devices.map(
      (row): AdminDevice => ({
        id: row.id,
        name: row.name,
        platform: row.platform,
        created: iso(row.created),
        last_seen: row.lastSeen === null ? null : iso(row.lastSeen),
      }),
    ),
  };
}

export async function removeDevice(admin: AdminCommands, userName: string, deviceId: number) {
  const user = await admin.user(userName);
  const device = await admin.store.devices.byId(deviceId);
  if (!device || device.userId !== user.id) {
    throw new AdminError(
      `User "${user.name}" has no device ${deviceId}. List them with: countersign-admin device list --user NAME`,
    );
  }
  if (device.revoked !== null) {
    throw new AdminError(`Device ${deviceId} of user "${user.name}" was already removed at ${iso(device.revoked)}.`);
  }
  const removed = await (await admin.operator(true)).removeDevice(user.id, deviceId);
  return { id: removed.id, name: removed.name, platform: removed.platform, removed_at: iso(removed.revoked!) };
}

export async function listKeys(admin: AdminCommands, userName: string) {
  const user = await admin.user(userName);
  const keys = await (await admin.operator()).listKeys(user.id);
  return { user: { id: user.id, name: user.name }, keys: keys.map((row) => credentialView(row)) };
}

export async function deactivateKey(admin: AdminCommands, keyId: number) {
  const key = await admin.store.credentials.byId(keyId);
  if (!key)
    throw new AdminError(`No key with id ${keyId}. List a user's keys with: countersign-admin key list --user NAME`);
  return credentialView(await (await admin.operator(key.status !== 'INACTIVE')).deactivateKey(keyId));
}
