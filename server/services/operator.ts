// What the operator does to users, keys, pairing codes and devices: one service under both countersign-admin (which
// finds users by name and words its own errors for the command line) and the operator API (/v1/operator/…, which
// finds them by id). Every method that changes something does it in one transaction, so a refusal writes nothing.
import { ErrorText } from '../../protocol/index.js';
import { Refusal } from '../domain/refusal.js';
import type { CredentialRow, DeviceRow, UserRow } from '../store/types.js';
import type { ServiceContext } from './context.js';
import { CredentialService, deactivateKey, type KeyChanges, type NewKey } from './credentials.js';
import type { PublicKeyCache } from './public-keys.js';
import { DeviceService } from './devices.js';
import { type IssuedCode, issuePairingCode } from './pairing.js';
import { transactionWithOutbox } from './transaction.js';

const notFound = () => new Refusal('not-found', ErrorText.NOT_FOUND);

export class OperatorService {
  constructor(
    private readonly ctx: ServiceContext,
    /** The devices' key cache the device service verifies with, so that a removal drops the removed key from it. */
    private readonly deviceKeys: PublicKeyCache,
  ) {}

  /** A user that exists (not removed), or 404. */
  async user(id: number): Promise<UserRow> {
    const user = await this.ctx.store.read((db) => db.users.byId(id));
    if (!user || user.removed !== null) throw notFound();
    return user;
  }

  /** name: the provider's own id for the user, unique. 409 when taken (also by a removed user). */
  async createUser(name: string): Promise<UserRow> {
    return this.ctx.store.transaction(async (tx) => {
      if (await tx.users.byName(name)) throw new Refusal('conflict', `name: a user named "${name}" exists`);
      return tx.users.create(name, this.ctx.config.now());
    });
  }

  listUsers(): Promise<UserRow[]> {
    return this.ctx.store.read((db) => db.users.list());
  }

  /**
   * Removes a user, all together: every key deactivated (its sessions end, its requests are refused), every device
   * removed, every unused pairing code ended; the row stays, marked removed, for the history. Then the removed
   * devices' streams close.
   */
  async removeUser(id: number): Promise<{ user: UserRow; keys: number; devices: number }> {
    const result = await transactionWithOutbox(this.ctx, async (tx, outbox) => {
      const user = await tx.users.hold(id);
      if (!user || user.removed !== null) throw notFound();
      const now = this.ctx.config.now();
      let keys = 0;
      for (const key of await tx.credentials.listByUser(id)) {
        if (key.status === 'INACTIVE') continue;
        await tx.credentials.hold(key.id);
        await deactivateKey(tx, key.id, now, outbox);
        keys += 1;
      }
      const removed: number[] = [];
      for (const device of await tx.devices.listByUser(id)) {
        if (device.revoked !== null) continue;
        await DeviceService.removeInside(tx, outbox, id, device.id, { deviceId: null, ip: null }, now);
        removed.push(device.id);
      }
      await tx.pairingCodes.expireAllOfUser(id, now);
      await tx.users.markRemoved(id, now);
      return { user: { ...user, removed: now }, keys, devices: removed };
    });
    for (const deviceId of result.devices) this.deviceKeys.forget(deviceId);
    return { user: result.user, keys: result.keys, devices: result.devices.length };
  }

  /** A new key; the value is returned this once. */
  async createKey(userId: number, key: NewKey): Promise<{ credential: CredentialRow; apiKey: string }> {
    await this.user(userId);
    return new CredentialService(this.ctx).create(userId, key);
  }

  /** A key the provider issued itself, by its SHA-256 (64 lower-case hex digits). */
  async registerKey(userId: number, key: NewKey, keySha256: string): Promise<CredentialRow> {
    await this.user(userId);
    return new CredentialService(this.ctx).register(userId, key, keySha256);
  }

  async listKeys(userId: number): Promise<CredentialRow[]> {
    await this.user(userId);
    return this.ctx.store.read((db) => db.credentials.listByUser(userId));
  }

  async key(keyId: number): Promise<CredentialRow> {
    const key = await this.ctx.store.read((db) => db.credentials.byId(keyId));
    if (!key) throw notFound();
    return key;
  }

  /** Changes a key (mode, name, status: INACTIVE deactivates, ACTIVE lifts a lock), as its owner can. */
  async updateKey(userId: number, keyId: number, changes: KeyChanges): Promise<CredentialRow> {
    await this.user(userId);
    return new CredentialService(this.ctx).update(userId, keyId, changes);
  }

  /** Deactivates a key (its sessions end, its requests are refused); a key already INACTIVE is left as it is. */
  async deactivateKey(keyId: number): Promise<CredentialRow> {
    const key = await this.key(keyId);
    if (key.status === 'INACTIVE') return key;
    return new CredentialService(this.ctx).update(key.userId, keyId, { status: 'INACTIVE' });
  }

  async pairingCode(userId: number): Promise<IssuedCode> {
    await this.user(userId);
    return issuePairingCode(this.ctx, userId, null);
  }

  async listDevices(userId: number): Promise<DeviceRow[]> {
    await this.user(userId);
    return this.ctx.store.read((db) => db.devices.listByUser(userId));
  }

  /** Removes a device of the user as the operator (no device, no address as remover). */
  async removeDevice(userId: number, deviceId: number): Promise<DeviceRow> {
    await this.user(userId);
    return new DeviceService(this.ctx, this.deviceKeys).revokeByOperator(userId, deviceId);
  }
}
