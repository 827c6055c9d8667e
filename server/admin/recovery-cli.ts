// The command lines of the recovery commands (recovery.ts): device list|remove, key list|deactivate.
import type { AdminCommands } from './commands.js';
import { AdminError } from './commands.js';
import { deactivateKey, idOption, listDevices, listKeys, removeDevice } from './recovery.js';

export interface RecoveryFlags {
  user?: string;
  device?: string;
  key?: string;
}

function userFlag(flags: RecoveryFlags): string {
  if (flags.user === undefined || flags.user === '') throw new AdminError('--user NAME is required.');
  return flags.user;
}

/** The command's JSON result, or undefined when the command is not one of these. */
export async function runRecovery(admin: AdminCommands, command: string, flags: RecoveryFlags): Promise<unknown> {
  switch (command) {
    case 'device list':
      return listDevices(admin, userFlag(flags));
    case 'device remove':
      return removeDevice(admin, userFlag(flags), idOption(flags.device, '--device', 'a device'));
    case 'key list':
      return listKeys(admin, userFlag(flags));
    case 'key deactivate':
      return deactivateKey(admin, idOption(flags.key, '--key', 'a key'));
    default:
      return undefined;
  }
}
