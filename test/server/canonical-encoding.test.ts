// One spelling per signature and key. An 86-character base64url signature has 4 unused bits, so 16 strings decode
// to the same 64 bytes (a 43-character key: 4 strings); decoders also take "=" padding and the standard alphabet.
// A replay record keyed on the text let one captured signed call be sent again 15 times. Every re-spelling must be
// refused and change nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { Base64UrlText, ErrorText, Header } from '../../protocol/index.js';
import { generateDeviceKeyPair } from '../../protocol/crypto.js';
import type { TestDevice } from '../support/device.js';
import { http } from '../support/server.js';
import { countRows, createKey, errorText, pendingAttempt, snapshotDb, type World, world } from './helpers.js';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Every other spelling of a canonical base64url value that a lenient decoder maps to the same bytes. */
function respellings(canonical: string, unusedBits: number): { label: string; text: string }[] {
  const head = canonical.slice(0, -1);
  const last = ALPHABET.indexOf(canonical.at(-1)!);
  const variants: { label: string; text: string }[] = [];
  for (let low = 1; low < 1 << unusedBits; low += 1) {
    variants.push({ label: `last character ${ALPHABET[last | low]}`, text: head + ALPHABET[last | low] });
  }
  const standard = canonical.replaceAll('-', '+').replaceAll('_', '/');
  const padding = canonical.length % 4 === 2 ? '==' : '=';
  variants.push(
    { label: 'with "=" padding', text: canonical + padding },
    { label: 'standard alphabet', text: standard },
    { label: 'standard alphabet with padding', text: standard + padding },
  );
  // A signature without "-" or "_" reads the same in the standard alphabet (about 1 in 15): that is no re-spelling.
  return variants.filter((variant) => variant.text !== canonical);
}

/** Signs (without sending) until the signature has a "-" or "_", so that its standard-alphabet form differs. */
function headersWithUrlSafeCharacter(device: TestDevice, method: string, path: string): Record<string, string> {
  for (;;) {
    const headers = device.sign(method, path, '');
    if (/[-_]/.test(headers[Header.SIGNATURE]!)) return headers;
  }
}

let w: World;
beforeEach(async () => {
  w = await world();
});
afterEach(async () => w.close());

describe('a used signature, spelt differently', () => {
  it('every re-encoding of a captured pairing-code call is refused (401) and mints no pairing code', async () => {
    const path = `/v1/user/${w.user.id}/pairing-code`;
    const captured = headersWithUrlSafeCharacter(w.device, 'POST', path);
    const first = await w.device.request('POST', path, undefined, { headers: captured });
    expect(first.status, first.text).toBe(200);
    const codes = await countRows(w.server, 'pairing_codes');
    const seen = await countRows(w.server, 'seen_signatures');
    const before = await snapshotDb(w.server);

    const variants = respellings(captured[Header.SIGNATURE]!, 4);
    expect(variants).toHaveLength(18);
    for (const variant of variants) {
      const replay = await w.device.request('POST', path, undefined, {
        headers: { ...captured, [Header.SIGNATURE]: variant.text },
      });
      expect(replay.status, `${variant.label}: ${replay.text}`).toBe(401);
    }
    // The exact texts: a re-spelt last character, padding, the standard alphabet.
    const reply = (text: string) =>
      w.device.request('POST', path, undefined, { headers: { ...captured, [Header.SIGNATURE]: text } });
    expect(errorText(await reply(variants[0]!.text))).toBe(`X-Countersign-Signature: ${Base64UrlText.NOT_CANONICAL}`);
    expect(errorText(await reply(variants[15]!.text))).toBe(`X-Countersign-Signature: ${Base64UrlText.PADDED}`);
    expect(errorText(await reply(variants[16]!.text))).toBe(
      `X-Countersign-Signature: ${Base64UrlText.STANDARD_ALPHABET}`,
    );
    // The canonical spelling itself is a plain replay.
    expect(errorText(await w.device.request('POST', path, undefined, { headers: captured }))).toBe(ErrorText.REPLAYED);

    expect(await countRows(w.server, 'pairing_codes')).toBe(codes);
    expect(await countRows(w.server, 'seen_signatures')).toBe(seen);
    expect(await snapshotDb(w.server)).toBe(before);
  });

  it('a re-spelt decision signature is refused (400) and leaves the request PENDING', async () => {
    const key = await createKey(w, 'push');
    const pending = await pendingAttempt(w.server, key.api_key);
    const signature = w.device.signDecision(pending.uuid, { decision: 'APPROVE' });
    const before = await snapshotDb(w.server);
    for (const variant of respellings(signature, 4)) {
      const reply = await w.device.request('POST', `/v1/session-server-request/${pending.uuid}/decision`, {
        decision: 'APPROVE',
        signature: variant.text,
      });
      expect(reply.status, `${variant.label}: ${reply.text}`).toBe(400);
      expect(errorText(reply)).toMatch(/^signature: must be/);
    }
    expect(await snapshotDb(w.server)).toBe(before);
    expect((await w.device.decide(pending.uuid, { decision: 'APPROVE' })).status).toBe(200);
  });
});

describe('a public key spelt differently at pairing', () => {
  it('is refused (400 naming public_key), registers no device and leaves the code unspent', async () => {
    let keys = generateDeviceKeyPair();
    while (!/[-_]/.test(keys.publicKey)) keys = generateDeviceKeyPair();
    const { code } = await w.server.admin.pair(w.user.name);
    const devices = await countRows(w.server, 'devices');
    const before = await snapshotDb(w.server);

    const variants = respellings(keys.publicKey, 2);
    expect(variants).toHaveLength(6);
    for (const variant of variants) {
      const reply = await http(`${w.server.url}/v1/approver-device`, {
        method: 'POST',
        body: { pairing_code: code, public_key: variant.text, name: 'attacker', platform: 'linux' },
      });
      expect(reply.status, `${variant.label}: ${reply.text}`).toBe(400);
      expect(errorText(reply)).toMatch(/^public_key: must be/);
    }
    expect(
      errorText(
        await http(`${w.server.url}/v1/approver-device`, {
          method: 'POST',
          body: { pairing_code: code, public_key: variants[0]!.text, name: 'attacker', platform: 'linux' },
        }),
      ),
    ).toBe(`public_key: ${Base64UrlText.NOT_CANONICAL}`);
    expect(await countRows(w.server, 'devices')).toBe(devices);
    expect(await snapshotDb(w.server)).toBe(before);

    // The code still pairs a device that sends its key canonically.
    const paired = await http(`${w.server.url}/v1/approver-device`, {
      method: 'POST',
      body: { pairing_code: code, public_key: keys.publicKey, name: 'alice-phone', platform: 'linux' },
    });
    expect(paired.status, paired.text).toBe(200);
  });
});
