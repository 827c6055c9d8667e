// Pairing: a one-time code (10 minutes, single use, stored as a hash) lets a new device register its public key
// for a user. Issued by the admin CLI or by an already paired device of that user.
import { ErrorText, Limits } from '../../protocol/index.js';
import { newTotpSecret } from '../../protocol/totp.js';
import { ApiError } from '../http/api-error.js';
import { hashSecret, newPairingCode } from '../secrets.js';
import type { DeviceRow, Platform } from '../store/types.js';
import type { CodeFallbackService } from './code-fallback.js';
import type { ServiceContext } from './context.js';

export interface IssuedCode {
  code: string;
  expiresAt: number;
}

export interface NewDevice {
  /** Already normalised (trimmed, upper case) by the protocol schema. */
  pairingCode: string;
  publicKey: string;
  name: string;
  platform: Platform;
}

/** A new one-time pairing code for the user (also what countersign-admin pair does). */
export async function issuePairingCode(ctx: ServiceContext, userId: number): Promise<IssuedCode> {
  const code = newPairingCode();
  const now = ctx.config.now();
  const expiresAt = now + Limits.PAIRING_CODE_LIFETIME_SECONDS * 1000;
  await ctx.store.pairingCodes.create({ codeHash: hashSecret(code), userId, created: now, expires: expiresAt });
  return { code, expiresAt };
}

export interface PairedDevice {
  device: DeviceRow;
  /** The device's TOTP secret (20 bytes): handed out in this reply only; the server keeps it sealed. */
  totpSecret: Buffer;
}

export class PairingService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly codes: CodeFallbackService,
  ) {}

  async issue(userId: number): Promise<IssuedCode> {
    return issuePairingCode(this.ctx, userId);
  }

  /**
   * Spends the code and registers the device with a new TOTP secret, together: a failed registration leaves the
   * code unspent.
   */
  async pair(device: NewDevice): Promise<PairedDevice> {
    return this.ctx.store.transaction(async (tx) => {
      const now = this.ctx.config.now();
      const code = await tx.pairingCodes.consume(hashSecret(device.pairingCode), now);
      if (!code) throw new ApiError(400, ErrorText.PAIRING_CODE_INVALID);
      const created = await tx.devices.create({
        userId: code.userId,
        name: device.name,
        platform: device.platform,
        publicKey: device.publicKey,
        created: now,
      });
      const totpSecret = newTotpSecret();
      await this.codes.storeSecret(tx, created.id, totpSecret);
      return { device: created, totpSecret };
    });
  }
}
