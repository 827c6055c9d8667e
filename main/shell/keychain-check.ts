// Before anything else the app makes sure the OS keychain answers: device keys live only there, so without it the
// app cannot work, and it must say so instead of falling back to a file.
import type { CoreError } from '../core/api.js';
import { keychainError, type Vault } from '../core/vault.js';

const PROBE_ACCOUNT = 'keychain-check';

/**
 * Writes and deletes a probe entry. A read would not do: looking up an absent entry in a locked collection answers
 * "nothing there" without an error. A write meets the lock (or makes the OS ask the user to unlock), and fails
 * plainly when there is no keychain at all.
 */
export async function checkKeychain(
  vault: Pick<Vault, 'setPassword' | 'deletePassword'>,
  service: string,
): Promise<CoreError | null> {
  try {
    await vault.setPassword(service, PROBE_ACCOUNT, 'ok');
    await vault.deletePassword(service, PROBE_ACCOUNT);
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
