// Where the real keychain can be reached: inside scripts/with-desktop-session.sh (or a desktop with a Secret
// Service). Whether it can is found out by writing and deleting a probe entry, once per test file, not by looking
// for a D-Bus address. Suites that need it use describeWithKeychain: without a keychain they are skipped with the
// reason on a developer's machine, and FAIL when CI is set — a CI run that lost its Secret Service must not pass
// with the keychain suites quietly skipped.
import { describe, it } from 'vitest';
import { keytarVault } from '../../main/core/vault.js';
import { checkKeychain } from '../../main/shell/keychain-check.js';

export const NEEDS_KEYCHAIN =
  'needs a D-Bus session with an unlocked Secret Service: run inside scripts/with-desktop-session.sh';

/** Why the keychain cannot be used here, or null when it can. */
async function keychainProblem(): Promise<string | null> {
  // keytar on Linux talks to the Secret Service over the session bus; without a bus there is nothing to probe.
  if (process.platform === 'linux' && !process.env.DBUS_SESSION_BUS_ADDRESS) return 'no D-Bus session bus';
  const problem = await checkKeychain(keytarVault(), `Countersign test probe ${process.pid}`);
  return problem ? `${problem.code}: ${problem.message}` : null;
}

export const keychainUnavailable: string | null = await keychainProblem();
export const hasKeychainSession = keychainUnavailable === null;

/** describe() for a suite that needs the real keychain: runs, is skipped with the reason, or fails on CI. */
export function describeWithKeychain(name: string, suite: () => void): void {
  if (keychainUnavailable === null) {
    describe(name, () => suite());
  } else if (process.env.CI) {
    // One failing test in place of the suite, saying what is missing.
    describe(name, () => {
      it('has the keychain it needs', () => {
        throw new Error(`CI is set but the keychain cannot be used (${keychainUnavailable}); ${NEEDS_KEYCHAIN}.`);
      });
    });
  } else {
    describe.skip(`${name} — skipped, ${NEEDS_KEYCHAIN} (${keychainUnavailable})`, () => suite());
  }
}
