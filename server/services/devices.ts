// Approver devices: the signed-request check every device call and the push upgrade pass, the device list, and
// removal. A device acts only for its own user.
import {
  canonicalRequest,
  ErrorText,
  Header,
  Signature,
  StreamCloseCode,
  TIMESTAMP_TOLERANCE_MS,
} from '../../protocol/index.js';
import { publicKeyObject, sha256Hex, verifyText } from '../../protocol/crypto.js';
import { ApiError } from '../http/api-error.js';
import type { DeviceRow } from '../store/types.js';
import type { ServiceContext } from './context.js';

/** What a device call presents: its headers, and what the signature covers. */
export interface SignedCall {
  headers: Record<string, string | string[] | undefined>;
  method: string;
  pathWithQuery: string;
  body: Buffer | undefined;
}

/**
 * Seen signatures are kept this long. A signature's timestamp is accepted for ±60 s around the server clock, so
 * a signature can be valid for at most 2 minutes of server time; keeping it longer than that (and in the database,
 * across restarts) means a replay always meets its record.
 */
export const SEEN_SIGNATURE_RETENTION_MS = 2 * TIMESTAMP_TOLERANCE_MS + 60_000;

/** A signed call writes the device's last_seen only when the stored one is at least this old. */
export const LAST_SEEN_RESOLUTION_MS = 60_000;

const authFailed = (text: string = ErrorText.DEVICE_AUTH_FAILED) => new ApiError(401, text);

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export class DeviceService {
  constructor(private readonly ctx: ServiceContext) {}

  async authenticate(call: SignedCall): Promise<DeviceRow> {
    const deviceId = single(call.headers[Header.DEVICE]);
    const timestamp = single(call.headers[Header.TIMESTAMP]);
    const signature = single(call.headers[Header.SIGNATURE]);
    if (!deviceId || !/^[1-9][0-9]{0,15}$/.test(deviceId)) throw authFailed();
    if (!timestamp || !/^[0-9]{1,16}$/.test(timestamp)) throw authFailed();
    if (!signature || !Signature.safeParse(signature).success) throw authFailed();
    const device = await this.ctx.store.devices.byId(Number(deviceId));
    if (!device || device.revoked !== null) throw authFailed();
    const now = this.ctx.config.now();
    if (Math.abs(now - Number(timestamp)) > TIMESTAMP_TOLERANCE_MS) throw authFailed(ErrorText.STALE_TIMESTAMP);
    const canonical = canonicalRequest({
      method: call.method,
      pathWithQuery: call.pathWithQuery,
      timestamp,
      bodySha256Hex: sha256Hex(call.body ?? Buffer.alloc(0)),
    });
    if (!verifyText(publicKeyObject(device.publicKey), canonical, signature)) throw authFailed();
    // Only a verified signature is remembered, so forged ones cannot fill the table.
    if (!(await this.ctx.store.seenSignatures.remember(device.id, signature, now))) {
      throw authFailed(ErrorText.REPLAYED);
    }
    // last_seen is for people reading the device list: to the minute is enough, and writing it on every signed
    // call cost a statement on every decision and long-running stream.
    if (device.lastSeen !== null && now - device.lastSeen < LAST_SEEN_RESOLUTION_MS) return device;
    await this.ctx.store.devices.touch(device.id, now);
    return { ...device, lastSeen: now };
  }

  async pruneSeenSignatures(): Promise<void> {
    await this.ctx.store.seenSignatures.pruneOlderThan(this.ctx.config.now() - SEEN_SIGNATURE_RETENTION_MS);
  }

  async list(userId: number): Promise<DeviceRow[]> {
    return this.ctx.store.devices.listByUser(userId);
  }

  /** Removes a device of the caller's user (itself or another); its open stream closes with 4401. */
  async revoke(caller: DeviceRow, deviceId: number): Promise<void> {
    const target = await this.ctx.store.devices.byId(deviceId);
    if (!target || target.revoked !== null || target.userId !== caller.userId) {
      throw new ApiError(404, ErrorText.NOT_FOUND);
    }
    await this.ctx.store.devices.revoke(deviceId, this.ctx.config.now());
    this.ctx.hub.disconnectDevice(deviceId, StreamCloseCode.DEVICE_REVOKED, 'This device was removed.');
  }
}
