// Approver devices: the signed-request check every device call and the push upgrade pass, the device list, and
// removal. A device acts only for its own user.
import { canonicalRequest, ErrorText, Signature, TIMESTAMP_TOLERANCE_MS } from '../../protocol/index.js';
import { sha256Hex, verifySignatureOffThread } from '../../protocol/crypto.js';
import { Refusal } from '../domain/refusal.js';
import { once, SIGNATURE_FIELD, type SignedCall } from '../domain/signed-call.js';
import { deviceEventMessage } from '../views/device-events.js';
import type { Outbox } from '../push/outbox.js';
import type { DeviceRow, Repositories } from '../store/types.js';
import { emitWebhook } from '../webhooks/emit.js';
import type { ServiceContext } from './context.js';
import { transactionWithOutbox } from './transaction.js';
import type { PublicKeyCache } from './public-keys.js';

/**
 * Seen signatures are kept this long. A signature's timestamp is accepted for ±60 s around the server clock, so
 * a signature can be valid for at most 2 minutes of server time; keeping it longer than that (and in the database,
 * across restarts) means a replay always meets its record.
 */
export const SEEN_SIGNATURE_RETENTION_MS = 2 * TIMESTAMP_TOLERANCE_MS + 60_000;

/** A signed call writes the device's last_seen only when the stored one is at least this old. */
export const LAST_SEEN_RESOLUTION_MS = 60_000;

const authFailed = (text: string = ErrorText.DEVICE_AUTH_FAILED) => new Refusal('unauthenticated', text);
/** A signed call whose signature was used before. */
export const replayed = () => authFailed(ErrorText.REPLAYED);

/**
 * A device call whose signature verified and is not yet recorded. Its replay record (the signature's bytes, kept
 * so that the same call is refused the next time) is written inside the transaction of what the call changes
 * (recordInside), so that it commits with what the call did: one commit fewer than a record of its own. Only a
 * verified signature is recorded, so forged ones cannot fill the table.
 */
export class VerifiedCall {
  #recordedInside = false;

  constructor(
    readonly device: DeviceRow,
    readonly signature: Buffer,
    readonly at: number,
  ) {}

  /** Whether a transaction's work wrote the record (it commits with that transaction). */
  get recordedInside(): boolean {
    return this.#recordedInside;
  }

  /**
   * Inside the transaction of what the call changes, before any change: writes the replay record, or refuses the
   * call as a replay. Every attempt of the transaction writes it again (a retried transaction starts afresh).
   */
  async recordInside(tx: Repositories): Promise<void> {
    if (!(await tx.seenSignatures.remember(this.device.id, this.signature, this.at))) {
      throw replayed();
    }
    this.#recordedInside = true;
  }
}

export class DeviceService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly keys: PublicKeyCache,
  ) {}

  /** Checks the call's signature and records it (a replay is refused): the device that made it. */
  async authenticate(call: SignedCall): Promise<DeviceRow> {
    const verified = await this.verifyDeferringRecord(call);
    await this.record(verified);
    return verified.device;
  }

  /** The replay record on its own (autocommit): a signature seen before is refused as a replay. */
  async record(verified: VerifiedCall): Promise<void> {
    if (!(await this.rememberAlone(verified))) throw replayed();
  }

  /**
   * As record, for a call that failed: its signature is remembered all the same, so that a replay is refused as
   * one. False when it was already.
   */
  recordAfterFailure(verified: VerifiedCall): Promise<boolean> {
    return this.rememberAlone(verified);
  }

  // By the signature's bytes, not its text.
  private rememberAlone(verified: VerifiedCall): Promise<boolean> {
    return this.ctx.store.write((db) =>
      db.seenSignatures.remember(verified.device.id, verified.signature, verified.at),
    );
  }

  /**
   * Checks the call's signature without recording it: the caller records it with what the call changes
   * (VerifiedCall.recordInside), or with record() when the call changed nothing.
   */
  async verifyDeferringRecord(call: SignedCall): Promise<VerifiedCall> {
    const deviceId = once(call.signer);
    const timestamp = once(call.timestamp);
    const signature = once(call.signature);
    if (!deviceId || !/^[1-9][0-9]{0,15}$/.test(deviceId)) throw authFailed();
    if (!timestamp || !/^[0-9]{1,16}$/.test(timestamp)) throw authFailed();
    if (!signature) throw authFailed();
    // Canonical base64url only (protocol/base64url.ts): a re-spelt signature is refused before anything else, and
    // told why, so that a client that encodes wrongly learns it.
    const parsed = Signature.safeParse(signature);
    if (!parsed.success) throw authFailed(`${SIGNATURE_FIELD}: ${parsed.error.issues[0]!.message}`);
    const signatureBytes = Buffer.from(signature, 'base64url');
    const device = await this.ctx.store.read((db) => db.devices.byId(Number(deviceId)));
    if (!device || device.revoked !== null) throw authFailed();
    const now = this.ctx.config.now();
    if (Math.abs(now - Number(timestamp)) > TIMESTAMP_TOLERANCE_MS) throw authFailed(ErrorText.STALE_TIMESTAMP);
    const canonical = canonicalRequest({
      method: call.method,
      pathWithQuery: call.pathWithQuery,
      timestamp,
      bodySha256Hex: sha256Hex(call.body ?? Buffer.alloc(0)),
    });
    if (!(await verifySignatureOffThread(this.keys.keyOf(device), canonical, signatureBytes))) throw authFailed();
    // last_seen is for people reading the device list: to the minute is enough, and writing it on every signed
    // call cost a statement on every decision and long-running stream. (It is written before the replay check: a
    // replay is a signature the device did make, and it comes within minutes of the original.)
    if (device.lastSeen !== null && now - device.lastSeen < LAST_SEEN_RESOLUTION_MS) {
      return new VerifiedCall(device, signatureBytes, now);
    }
    await this.ctx.store.write((db) => db.devices.touch(device.id, now));
    return new VerifiedCall({ ...device, lastSeen: now }, signatureBytes, now);
  }

  async list(userId: number): Promise<DeviceRow[]> {
    return this.ctx.store.read((db) => db.devices.listByUser(userId));
  }

  /**
   * Removes a device of the caller's user (itself or another), seen from ip. Its open stream closes with 4401, and
   * the user's other devices are told who removed it.
   */
  async revoke(caller: DeviceRow, deviceId: number, ip: string | null): Promise<void> {
    await this.remove(caller.userId, deviceId, { deviceId: caller.id, ip });
  }

  /** The operator (countersign-admin) removes a device of the user: the same, with no device or address as remover. */
  async revokeByOperator(userId: number, deviceId: number): Promise<DeviceRow> {
    return this.remove(userId, deviceId, { deviceId: null, ip: null });
  }

  /**
   * Revokes the device, ends the unused pairing codes it made (an invite from a device no longer trusted must not
   * let another one in) and records the event, together; its streams close once that has committed. 404 for a device that is not
   * the user's or already removed (also when a second removal loses the race).
   */
  private async remove(userId: number, deviceId: number, by: { deviceId: number | null; ip: string | null }) {
    const removed = await transactionWithOutbox(this.ctx, (tx, outbox) =>
      DeviceService.removeInside(tx, outbox, userId, deviceId, by, this.ctx.config.now()),
    );
    this.keys.forget(deviceId);
    return removed;
  }

  /** Inside a transaction: the removal; the outbox closes the device's streams after the commit. */
  static async removeInside(
    tx: Repositories,
    outbox: Outbox,
    userId: number,
    deviceId: number,
    by: { deviceId: number | null; ip: string | null },
    now: number,
  ): Promise<DeviceRow> {
    const target = await tx.devices.byId(deviceId);
    if (!target || target.userId !== userId || !(await tx.devices.revoke(deviceId, now))) {
      throw new Refusal('not-found', ErrorText.NOT_FOUND);
    }
    await tx.pairingCodes.expireIssuedBy(deviceId, now);
    const event = await tx.deviceEvents.record({
      userId,
      kind: 'removed',
      deviceId,
      ip: by.ip,
      at: now,
      byDeviceId: by.deviceId,
    });
    outbox.toUser(userId, deviceEventMessage(event));
    outbox.deviceRemoved(deviceId);
    await emitWebhook(
      tx,
      'device.removed',
      { device_id: deviceId, user_id: userId, removed_by_device_id: by.deviceId },
      now,
    );
    return { ...target, revoked: now };
  }
}
