// The device's TOTP secret for the offline code fallback, kept only in the vault beside the device key (same
// keychain service, account "<account id>:totp"), and the code computed from it locally: no server, no network.
import { base32Decode, currentTotp } from '../../protocol/totp.js';
import type { Result } from './api.js';
import type { Clock } from './clock.js';
import { fail, ok } from './result.js';
import { type Vault, keychainError } from './vault.js';

export interface CurrentCode {
  code: string;
  /** Whole seconds until the code changes (1…30). */
  secondsLeft: number;
}

export class TotpSecretStore {
  constructor(
    private readonly vault: Vault,
    private readonly service: string,
  ) {}

  private entry(accountId: string): string {
    return `${accountId}:totp`;
  }

  async save(accountId: string, secretBase32: string): Promise<Result<void>> {
    try {
      await this.vault.setPassword(this.service, this.entry(accountId), secretBase32);
      return ok(undefined);
    } catch (thrown) {
      return { ok: false, error: keychainError(thrown) };
    }
  }

  /** True when an entry was deleted; a missing one is not an error (removal is idempotent). */
  async delete(accountId: string): Promise<Result<boolean>> {
    try {
      return ok(await this.vault.deletePassword(this.service, this.entry(accountId)));
    } catch (thrown) {
      return { ok: false, error: keychainError(thrown) };
    }
  }

  /** The current code, read from the keychain each time (never cached in memory or on disk). */
  async currentCode(accountId: string, clock: Clock): Promise<Result<CurrentCode>> {
    let stored: string | null;
    try {
      stored = await this.vault.getPassword(this.service, this.entry(accountId));
    } catch (thrown) {
      return { ok: false, error: keychainError(thrown) };
    }
    if (stored === null) {
      return fail(
        'NOT_FOUND',
        'This account has no code: it was paired with a server without code fallback, or the keychain entry was ' +
          'deleted. Remove the account and pair again to get one.',
      );
    }
    return ok(currentTotp(base32Decode(stored), clock.now()));
  }
}
