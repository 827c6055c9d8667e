// The server verifies Ed25519 on libuv's thread pool: that path must give exactly the inline verifier's answers,
// including "false, never a throw" for every malformed, re-spelt or forged signature.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  generateDeviceKeyPair,
  privateKeyObject,
  publicKeyObject,
  signText,
  verifySignature,
  verifySignatureOffThread,
  verifyText,
  verifyTextOffThread,
} from '../../protocol/crypto.js';

const pair = generateDeviceKeyPair();
const publicKey = publicKeyObject(pair.publicKey);
const privateKey = privateKeyObject(pair.privateKey);
const other = publicKeyObject(generateDeviceKeyPair().publicKey);

describe('verification on the thread pool', () => {
  it('accepts a good signature and refuses it over other text or with another key', async () => {
    const signature = signText(privateKey, 'POST\n/v1/x\n1\nabc');
    expect(await verifyTextOffThread(publicKey, 'POST\n/v1/x\n1\nabc', signature)).toBe(true);
    expect(await verifyTextOffThread(publicKey, 'POST\n/v1/x\n2\nabc', signature)).toBe(false);
    expect(await verifyTextOffThread(other, 'POST\n/v1/x\n1\nabc', signature)).toBe(false);
  });

  it('refuses a re-spelt copy of a good signature, as the inline verifier does', async () => {
    const signature = signText(privateKey, 'text');
    const respelt = [
      `${signature}==`,
      signature.replaceAll('-', '+').replaceAll('_', '/'),
      // The last character carries 4 unused bits: flipping one gives the same bytes in another spelling.
      `${signature.slice(0, -1)}${String.fromCharCode(signature.charCodeAt(signature.length - 1) ^ 1)}`,
    ].filter((text) => text !== signature);
    for (const text of respelt) {
      expect(verifyText(publicKey, 'text', text)).toBe(false);
      expect(await verifyTextOffThread(publicKey, 'text', text)).toBe(false);
    }
  });

  it('gives the inline answer for any bytes, without throwing', async () => {
    const good = Buffer.from(signText(privateKey, 'text'), 'base64url');
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ minLength: 0, maxLength: 80 }),
          fc.nat({ max: 63 }).map((index) => {
            const flipped = Buffer.from(good);
            flipped[index]! ^= 1;
            return flipped;
          }),
          fc.constant(good),
        ),
        async (signature) => {
          const inline = verifySignature(publicKey, 'text', signature);
          expect(await verifySignatureOffThread(publicKey, 'text', signature)).toBe(inline);
          const text = Buffer.from(signature).toString('base64url');
          expect(await verifyTextOffThread(publicKey, 'text', text)).toBe(verifyText(publicKey, 'text', text));
        },
      ),
      { numRuns: 300 },
    );
    expect(await verifySignatureOffThread(publicKey, 'text', good)).toBe(true);
  });
});
