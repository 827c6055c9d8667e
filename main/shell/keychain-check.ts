// Before anything else the app makes sure the OS keychain answers: device keys live only there, so without it the
// app cannot work, and it must say so instead of falling back to a file.
import type { CoreError } from '../core/api.js';
import { keychainError, type Vault } from '../core/vault.js';

/** Reads a (normally absent) entry: unlocks the keyring if the OS asks to, fails if there is no keychain. */
export async function checkKeychain(vault: Pick<Vault, 'getPassword'>, service: string): Promise<CoreError | null> {
  try {
    await vault.getPassword(service, 'keychain-check');
    return null;
  } catch (thrown) {
    return keychainError(thrown);
  }
}

export function keychainDialog(error: CoreError): { title: string; message: string; detail: string } {
  return {
    title: 'Countersign cannot start',
    message:
      error.code === 'KEYCHAIN_LOCKED'
        ? 'Your keychain is locked.'
        : 'No keychain is available, and Countersign keeps its device keys only there.',
    detail: `${error.message}\n\nCountersign will now quit. Start it again once the keychain is available.`,
  };
}
