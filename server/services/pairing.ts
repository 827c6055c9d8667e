// Pairing: a one-time code (10 minutes, single use, stored as a hash) lets a new device register its public key
// for a user. Issued by the admin CLI or by an already paired device of that user (the code remembers which), at
// most a few outstanding at a time; every pairing is recorded and told to the user's other devices.
import { ErrorText, Limits } from '../../protocol/index.js';
import { newTotpSecret } from '../../protocol/totp.js';
import { deviceEventMessage } from '../views/device-events.js';
import { Refusal } from '../domain/refusal.js';
import { type RateLimiter, rateLimited } from '../limits/rate-limiter.js';
import { hashSecret, newPairingCode } from '../secrets.js';
import type { DeviceRow, Platform } from '../store/types.js';
import { emitWebhook } from '../webhooks/emit.js';
import type { CodeFallbackService } from './code-fallback.js';
import type { ServiceContext } from './context.js';
import { transactionWithOutbox } from './transaction.js';

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
  /** The address the device pairs from, as the server sees it. */
  ip: string;
}

/** Refused: no unused, unexpired code of that text (counted toward the address's limit on failed pairings). */
export class PairingCodeInvalid extends Refusal {
  constructor() {
    super('invalid', ErrorText.PAIRING_CODE_INVALID);
  }
}

/** Refused: the user already has the most unused codes allowed. Retry-After: when the soonest one expires. */
export class TooManyPairingCodes extends Refusal {
  constructor(retryAfterSeconds: number) {
    super('too-many', ErrorText.TOO_MANY_PAIRING_CODES, retryAfterSeconds);
  }
}

/**
 * A new one-time pairing code for the user, made by one of the user's devices (invitedByDeviceId) or by the
 * operator (null, countersign-admin pair). Counted and added under the user's row held, so that two instances
 * cannot both find room for one more.
 */
export async function issuePairingCode(
  ctx: ServiceContext,
  userId: number,
  invitedByDeviceId: number | null,
): Promise<IssuedCode> {
  const code = newPairingCode();
  return ctx.store.transaction(async (tx) => {
    const now = ctx.config.now();
    const user = await tx.users.hold(userId);
    if (!user || user.removed !== null) throw new Refusal('not-found', ErrorText.NOT_FOUND);
    const outstanding = await tx.pairingCodes.outstandingExpiries(userId, now);
    if (outstanding.length >= Limits.MAX_OUTSTANDING_PAIRING_CODES) {
      throw new TooManyPairingCodes(Math.max(1, Math.ceil((outstanding[0]! - now) / 1000)));
    }
    const expiresAt = now + Limits.PAIRING_CODE_LIFETIME_SECONDS * 1000;
    await tx.pairingCodes.create({
      codeHash: hashSecret(code),
      userId,
      created: now,
      expires: expiresAt,
      invitedByDeviceId,
    });
    return { code, expiresAt };
  });
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
    /**
     * Failed pairings per address. Codes carry 80 bits, so guessing is hopeless anyway; the limit keeps guessing
     * from costing the server much.
     */
    private readonly failures: RateLimiter,
  ) {}

  /** A code made by one of the user's devices. */
  async issue(userId: number, invitedByDeviceId: number): Promise<IssuedCode> {
    return issuePairingCode(this.ctx, userId, invitedByDeviceId);
  }

  /**
   * Spends the code and registers the device with a new TOTP secret and its audit-trail event, together: a failed
   * registration leaves the code unspent. The user's other devices hear of it once this commits. A wrong code
   * counts toward the address's limit; an address over it is refused (429) before the code is looked at.
   */
  async pair(device: NewDevice): Promise<PairedDevice> {
    const wait = await this.failures.blocked(device.ip);
    if (wait !== null) throw rateLimited(wait);
    try {
      return await this.register(device);
    } catch (error) {
      if (error instanceof PairingCodeInvalid) await this.failures.fail(device.ip);
      throw error;
    }
  }

  private async register(device: NewDevice): Promise<PairedDevice> {
    return transactionWithOutbox(this.ctx, async (tx, outbox) => {
      const now = this.ctx.config.now();
      const code = await tx.pairingCodes.consume(hashSecret(device.pairingCode), now);
      if (!code) throw new PairingCodeInvalid();
      const created = await tx.devices.create({
        userId: code.userId,
        name: device.name,
        platform: device.platform,
        publicKey: device.publicKey,
        created: now,
      });
      const totpSecret = newTotpSecret();
      await this.codes.storeSecret(tx, created.id, totpSecret);
      const event = await tx.deviceEvents.record({
        userId: code.userId,
        kind: 'paired',
        deviceId: created.id,
        ip: device.ip,
        at: now,
        byDeviceId: code.invitedByDeviceId,
      });
      outbox.toUser(code.userId, deviceEventMessage(event));
      await emitWebhook(
        tx,
        'device.paired',
        {
          device_id: created.id,
          user_id: code.userId,
          name: created.name,
          platform: created.platform,
          invited_by_device_id: code.invitedByDeviceId,
        },
        now,
      );
      return { device: created, totpSecret };
    });
  }
}
