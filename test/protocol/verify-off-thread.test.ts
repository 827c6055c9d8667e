// The server verifies Ed25519 on libuv's thread pool: that path must give exactly the inline verifier's answers,
// including "false, never a throw" for every malformed, re-spelt or forged signature.
import { execFileSync } from 'node:child_process';
import { closeSync, openSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { join } from 'node:path';
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
import { tempDir } from '../support/server.js';

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

  it('answers while every thread of the pool is held by other work (a slow DNS lookup, say)', async () => {
    // Opening a FIFO for reading blocks until a writer comes: one such open holds one pool thread, as a lookup of an
    // unresponsive host name would.
    const dir = await tempDir();
    const threads = Number(process.env.UV_THREADPOOL_SIZE ?? 4);
    const fifos = Array.from({ length: threads }, (_, index) => join(dir.path, `fifo-${index}`));
    for (const fifo of fifos) execFileSync('mkfifo', [fifo]);
    const held = fifos.map((fifo) => open(fifo, 'r'));
    try {
      const signature = signText(privateKey, 'text');
      const notAnswered = new Promise<'not answered'>((resolve) => setTimeout(() => resolve('not answered'), 2_000));
      expect(await Promise.race([verifyTextOffThread(publicKey, 'text', signature), notAnswered])).toBe(true);
      expect(await Promise.race([verifyTextOffThread(publicKey, 'other', signature), notAnswered])).toBe(false);
    } finally {
      // Opened read-write, a FIFO has its writer: each held open returns, and the pool is free again.
      for (const fifo of fifos) closeSync(openSync(fifo, 'r+'));
      for (const handle of await Promise.all(held)) await handle.close();
      await dir.remove();
    }
  });
});
