// The OS keychain behind a small keytar-shaped interface, so the core can be handed another implementation
// (the shell passes keytarVault(); nothing else ever holds a private key). There is no plaintext fallback: when
// the keychain fails, the operation that needed it stops with a KEYCHAIN_* error.
import type { CoreError } from './api.js';
import { coreError, describeThrown } from './result.js';

export interface Vault {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
  findCredentials(service: string): Promise<Array<{ account: string; password: string }>>;
}

/** Thrown by keytarVault() with the CoreError already worked out. */
export class VaultError extends Error {
  constructor(readonly coreError: CoreError) {
    super(coreError.message);
    this.name = 'VaultError';
  }
}

// What keytar (libsecret on Linux, Keychain Services on macOS, Credential Manager on Windows) says when the
// keychain is locked. Everything else that fails means there is no usable keychain at all.
const LOCKED_PATTERNS = [/locked collection/i, /is locked/i, /user interaction is not allowed/i, /passphrase/i];

/** Turns whatever a vault threw into the CoreError the user sees: what happened and what to do. */
export function keychainError(thrown: unknown): CoreError {
  if (thrown instanceof VaultError) return thrown.coreError;
  const detail = describeThrown(thrown);
  if (LOCKED_PATTERNS.some((p) => p.test(detail))) {
    return coreError(
      'KEYCHAIN_LOCKED',
      `The keychain is locked ("${detail}"). Unlock your keyring (on Linux: the login keyring, e.g. in Passwords and ` +
        'Keys; on macOS: the login keychain) and try again.',
    );
  }
  return coreError(
    'KEYCHAIN_UNAVAILABLE',
    `No keychain is available ("${detail}"). On Linux, install and start gnome-keyring or another Secret Service ` +
      'provider in your desktop session; on macOS or Windows, make sure the login keychain or Credential Manager ' +
      'is available and unlocked. Countersign keeps device keys nowhere else, so it cannot go on without one.',
  );
}

type Keytar = typeof import('keytar');
let keytarModule: Promise<Keytar> | null = null;

// Loaded on first use: a missing native build then surfaces as KEYCHAIN_UNAVAILABLE on the call that needs it,
// instead of breaking every import of the core.
function loadKeytar(): Promise<Keytar> {
  keytarModule ??= import('keytar').then((m) => (m as unknown as { default?: Keytar }).default ?? m);
  return keytarModule;
}

async function viaKeytar<T>(call: (keytar: Keytar) => Promise<T>): Promise<T> {
  try {
    return await call(await loadKeytar());
  } catch (thrown) {
    throw new VaultError(keychainError(thrown));
  }
}

/** The real OS keychain through keytar; its failures are thrown as VaultError. */
export function keytarVault(): Vault {
  return {
    getPassword: (service, account) => viaKeytar((k) => k.getPassword(service, account)),
    setPassword: (service, account, password) => viaKeytar((k) => k.setPassword(service, account, password)),
    deletePassword: (service, account) => viaKeytar((k) => k.deletePassword(service, account)),
    // Beware: keytar 7.9 crashes the process (libsecret assertion, SIGSEGV) when findCredentials meets a locked
    // collection on Linux. The core never calls it; it is here to complete the keytar shape (tests clean up with it).
    findCredentials: (service) => viaKeytar((k) => k.findCredentials(service)),
  };
}
