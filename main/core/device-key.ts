// The device's Ed25519 private key, kept only in the vault (service = keychain service, account = local account
// id). It is read from the vault each time something must be signed and never cached or written anywhere else.
import type { KeyObject } from 'node:crypto';
import { privateKeyObject } from '../../protocol/crypto.js';
import type { Result } from './api.js';
import { fail, ok } from './result.js';
import { type Vault, keychainError } from './vault.js';

/** Written and removed again to tell a locked keyring from a missing entry (libsecret answers null for both). */
const PROBE_ACCOUNT = 'countersign-lock-probe';

export class DeviceKeyStore {
  constructor(
    private readonly vault: Vault,
    private readonly service: string,
  ) {}

  async save(accountId: string, privateKey: string): Promise<Result<void>> {
    try {
      await this.vault.setPassword(this.service, accountId, privateKey);
      return ok(undefined);
    } catch (thrown) {
      return { ok: false, error: keychainError(thrown) };
    }
  }

  async load(accountId: string): Promise<Result<KeyObject>> {
    let stored: string | null;
    try {
      stored = await this.vault.getPassword(this.service, accountId);
    } catch (thrown) {
      return { ok: false, error: keychainError(thrown) };
    }
    if (stored === null) return this.explainMissing();
    try {
      return ok(privateKeyObject(stored));
    } catch {
      return fail(
        'NOT_FOUND',
        'The keychain entry of this account does not hold a valid device key. Remove the account and pair again.',
      );
    }
  }

  /** True when an entry was deleted; a missing entry is not an error (removal is idempotent). */
  async delete(accountId: string): Promise<Result<boolean>> {
    try {
      return ok(await this.vault.deletePassword(this.service, accountId));
    } catch (thrown) {
      return { ok: false, error: keychainError(thrown) };
    }
  }

  private async explainMissing(): Promise<Result<KeyObject>> {
    const probe = await this.save(PROBE_ACCOUNT, 'probe');
    if (!probe.ok) return probe;
    await this.delete(PROBE_ACCOUNT);
    return fail(
      'NOT_FOUND',
      'The device key of this account is missing from the keychain (it may have been deleted there). ' +
        'Remove the account and pair this desktop again.',
    );
  }
}
