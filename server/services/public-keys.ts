// Parsed Ed25519 public keys of the signers (devices; requester installations), one cache per kind, so that a
// signed call does not rebuild a KeyObject from base64url (decode, DER wrap, key import) every time. Bounded: the
// least recently used key goes first. An entry is used only when the stored key text still equals the row's, and a
// removed device's entry is dropped; the caller reads the signer's row (and checks it may still sign) before every
// verification anyway.
import type { KeyObject } from 'node:crypto';
import { publicKeyObject } from '../../protocol/crypto.js';

/** Enough for every signer a busy instance sees; one entry is a few hundred bytes. */
export const PUBLIC_KEY_CACHE_SIZE = 20_000;

export class PublicKeyCache {
  private readonly keys = new Map<number, { publicKey: string; key: KeyObject }>();

  constructor(private readonly capacity = PUBLIC_KEY_CACHE_SIZE) {}

  /** The signer's public key as a KeyObject (throws for a stored key that is not a canonical 32-byte key). */
  keyOf(signer: { id: number; publicKey: string }): KeyObject {
    const cached = this.keys.get(signer.id);
    // Deleted and set again: a Map iterates in insertion order, so the first entry is the least recently used.
    this.keys.delete(signer.id);
    if (cached && cached.publicKey === signer.publicKey) {
      this.keys.set(signer.id, cached);
      return cached.key;
    }
    const key = publicKeyObject(signer.publicKey);
    this.keys.set(signer.id, { publicKey: signer.publicKey, key });
    if (this.keys.size > this.capacity) this.keys.delete(this.keys.keys().next().value!);
    return key;
  }

  forget(signerId: number): void {
    this.keys.delete(signerId);
  }

  get size(): number {
    return this.keys.size;
  }
}
