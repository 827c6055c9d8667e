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
import { sha256Hex, verifySignature } from '../../protocol/crypto.js';
import { ApiError } from '../http/api-error.js';
import type { DeviceRow } from '../store/types.js';
import type { ServiceContext } from './context.js';
import type { DeviceKeyCache } from './device-keys.js';

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

const SIGNATURE_HEADER = 'X-Countersign-Signature';
const authFailed = (text: string = ErrorText.DEVICE_AUTH_FAILED) => new ApiError(401, text);

function single(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export class DeviceService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly keys: DeviceKeyCache,
  ) {}

  async authenticate(call: SignedCall): Promise<DeviceRow> {
    const deviceId = single(call.headers[Header.DEVICE]);
    const timestamp = single(call.headers[Header.TIMESTAMP]);
    const signature = single(call.headers[Header.SIGNATURE]);
    if (!deviceId || !/^[1-9][0-9]{0,15}$/.test(deviceId)) throw authFailed();
    if (!timestamp || !/^[0-9]{1,16}$/.test(timestamp)) throw authFailed();
    if (!signature) throw authFailed();
    // Canonical base64url only (protocol/base64url.ts): a re-spelt signature is refused before anything else, and
    // told why, so that a client that encodes wrongly learns it.
    const parsed = Signature.safeParse(signature);
    if (!parsed.success) throw authFailed(`${SIGNATURE_HEADER}: ${parsed.error.issues[0]!.message}`);
    const signatureBytes = Buffer.from(signature, 'base64url');
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
    if (!verifySignature(this.keys.keyOf(device), canonical, signatureBytes)) throw authFailed();
    // Only a verified signature is remembered, so forged ones cannot fill the table; by its bytes, not its text.
    if (!(await this.ctx.store.seenSignatures.remember(device.id, signatureBytes, now))) {
      throw authFailed(ErrorText.REPLAYED);
    }
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
    this.keys.forget(deviceId);
    this.ctx.hub.disconnectDevice(deviceId, StreamCloseCode.DEVICE_REVOKED, 'This device was removed.');
  }
}
