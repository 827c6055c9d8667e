// Parsed Ed25519 public keys of the devices, so that a signed call does not rebuild a KeyObject from base64url
// (decode, DER wrap, key import) every time. Bounded: the least recently used key goes first. An entry is used
// only when the stored key text still equals the row's, and a removed device's entry is dropped; the caller reads
// the device row (and checks it is not removed) before every verification anyway.
import type { KeyObject } from 'node:crypto';
import { publicKeyObject } from '../../protocol/crypto.js';
import type { DeviceRow } from '../store/types.js';

/** Enough for every device a busy instance has connected; one entry is a few hundred bytes. */
export const DEVICE_KEY_CACHE_SIZE = 20_000;

export class DeviceKeyCache {
  private readonly keys = new Map<number, { publicKey: string; key: KeyObject }>();

  constructor(private readonly capacity = DEVICE_KEY_CACHE_SIZE) {}

  /** The device's public key as a KeyObject (throws for a stored key that is not a canonical 32-byte key). */
  keyOf(device: Pick<DeviceRow, 'id' | 'publicKey'>): KeyObject {
    const cached = this.keys.get(device.id);
    // Deleted and set again: a Map iterates in insertion order, so the first entry is the least recently used.
    this.keys.delete(device.id);
    if (cached && cached.publicKey === device.publicKey) {
      this.keys.set(device.id, cached);
      return cached.key;
    }
    const key = publicKeyObject(device.publicKey);
    this.keys.set(device.id, { publicKey: device.publicKey, key });
    if (this.keys.size > this.capacity) this.keys.delete(this.keys.keys().next().value!);
    return key;
  }

  forget(deviceId: number): void {
    this.keys.delete(deviceId);
  }

  get size(): number {
    return this.keys.size;
  }
}
