// The parsed-key cache of the signature checks: one KeyObject per signer while its key is unchanged, at most
// `capacity` signers (least recently used go first), dropped on removal, and never a stale key for a changed row.
import { describe, expect, it } from 'vitest';
import { generateDeviceKeyPair, privateKeyObject, signText, verifyText } from '../../protocol/crypto.js';
import { PublicKeyCache } from '../../server/services/public-keys.js';

const device = (id: number, publicKey = generateDeviceKeyPair().publicKey) => ({ id, publicKey });

describe('PublicKeyCache', () => {
  it('parses a key once and verifies with it', () => {
    const keys = generateDeviceKeyPair();
    const cache = new PublicKeyCache();
    const first = cache.keyOf({ id: 1, publicKey: keys.publicKey });
    expect(cache.keyOf({ id: 1, publicKey: keys.publicKey })).toBe(first);
    expect(verifyText(first, 'text', signText(privateKeyObject(keys.privateKey), 'text'))).toBe(true);
  });

  it('keeps at most its capacity, dropping the least recently used', () => {
    const cache = new PublicKeyCache(3);
    const [a, b, c, d] = [device(1), device(2), device(3), device(4)];
    const keyA = cache.keyOf(a);
    cache.keyOf(b);
    cache.keyOf(c);
    cache.keyOf(a); // a is now the most recently used; b the least
    cache.keyOf(d);
    expect(cache.size).toBe(3);
    expect(cache.keyOf(a)).toBe(keyA);
    const keyB = cache.keyOf(b); // parsed again: it had been dropped
    expect(cache.size).toBe(3);
    expect(cache.keyOf(b)).toBe(keyB);
  });

  it('forgets a removed device, and never serves a key that no longer matches the row', () => {
    const cache = new PublicKeyCache();
    const original = device(7);
    const key = cache.keyOf(original);
    cache.forget(7);
    expect(cache.size).toBe(0);
    expect(cache.keyOf(original)).not.toBe(key);
    const replaced = device(7);
    const newKey = cache.keyOf(replaced);
    expect(newKey.export({ format: 'der', type: 'spki' })).not.toEqual(key.export({ format: 'der', type: 'spki' }));
    expect(cache.size).toBe(1);
  });

  it('refuses a stored key that is not canonical base64url', () => {
    const keys = generateDeviceKeyPair();
    expect(() => new PublicKeyCache().keyOf({ id: 1, publicKey: `${keys.publicKey}=` })).toThrow(/Not canonical/);
  });
});
