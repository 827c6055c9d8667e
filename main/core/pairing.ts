// Pairing this desktop with a server account: a fresh Ed25519 key pair whose private half goes only into the
// vault, the public half to POST /v1/approver-device with the one-time code, and a non-secret account row.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { generateDeviceKeyPair, privateKeyObject } from '../../protocol/crypto.js';
import { ApproverDeviceCreated, DisplayText, PairingCode, type Platform } from '../../protocol/index.js';
import type { AccountStore, StoredAccount } from './account-store.js';
import type { PairInput, Result } from './api.js';
import type { DeviceKeyStore } from './device-key.js';
import { type HttpDeps, expectReply, send } from './http.js';
import { parsePairingLink } from './pairing-link.js';
import { describeThrown, fail, ok } from './result.js';
import { checkServerUrl } from './server-url.js';
import { certificateFingerprint } from './tls-fingerprint.js';
import { pinnedFetch, type TlsTrust } from './tls-pin.js';
import type { TotpSecretStore } from './totp-secret.js';

export interface PairingDeps {
  http: HttpDeps;
  keys: DeviceKeyStore;
  totp: TotpSecretStore;
  accounts: AccountStore;
  deviceName: string;
  platform: z.infer<typeof Platform>;
  tlsTrust: TlsTrust;
}

const DeviceName = DisplayText(100).pipe(z.string().trim().min(1, 'must not be empty'));

/** Where and with which code to pair, from a link or from server + code. */
function pairingTarget(input: PairInput): Result<{ server: string; code: string }> {
  // The same parser the shell's confirmation dialog used, so the server paired with is the one the user saw.
  if (input.link !== undefined) return parsePairingLink(input.link.trim());
  const { server, code } = input;
  if (!server || !code) {
    return fail(
      'INVALID_INPUT',
      'Give a pairing link (countersign://pair?server=…&code=…), or a server URL and a code.',
    );
  }
  const parsedCode = PairingCode.safeParse(code);
  if (!parsedCode.success) return fail('INVALID_INPUT', `"${code}" ${parsedCode.error.issues[0]?.message}.`);
  const base = checkServerUrl(server);
  return base.ok ? ok({ server: base.value, code: parsedCode.data }) : base;
}

export async function pairDevice(deps: PairingDeps, input: PairInput): Promise<Result<StoredAccount>> {
  const target = pairingTarget(input);
  if (!target.ok) return target;
  const name = DeviceName.safeParse(input.deviceName ?? deps.deviceName);
  if (!name.success) return fail('INVALID_INPUT', `The device name ${name.error.issues[0]?.message}.`);
  const { server, code } = target.value;

  // Trust on first use: the certificate seen now is the one every later connection must present. The pairing call
  // itself is already held to it, so the certificate cannot change between this look and the call.
  let tlsFingerprint: string | null = null;
  let http = deps.http;
  if (server.startsWith('https:')) {
    const fingerprint = await certificateFingerprint(server, deps.tlsTrust.ca ? { ca: deps.tlsTrust.ca } : {});
    if (!fingerprint.ok) return fingerprint;
    tlsFingerprint = fingerprint.value;
    http = { ...deps.http, fetch: pinnedFetch(tlsFingerprint, deps.tlsTrust) };
  }

  // The key goes into the vault before the server hears of it: a locked or missing keychain then stops pairing
  // with nothing created anywhere, and the one-time code stays unused for a retry.
  const accountId = randomUUID();
  const keyPair = generateDeviceKeyPair();
  const saved = await deps.keys.save(accountId, keyPair.privateKey);
  if (!saved.ok) return saved;

  const reply = await send(http, server, {
    method: 'POST',
    path: '/v1/approver-device',
    body: { pairing_code: code, public_key: keyPair.publicKey, name: name.data, platform: deps.platform },
  });
  const created = reply.ok ? expectReply(reply.value, ApproverDeviceCreated, 'Pairing') : reply;
  if (!created.ok) {
    await deps.keys.delete(accountId);
    const { error } = created;
    return error.status && error.status >= 400 && error.status < 500
      ? fail('PAIRING_FAILED', error.message, error.status)
      : created;
  }
  const device = created.value.Response[1].ApproverDevice;
  // A server without code fallback sends no TOTP secret; the account then simply has no code.
  const totpSecret = created.value.Response[2]?.ApproverDeviceTotp.totp_secret ?? null;
  const account: StoredAccount = {
    id: accountId,
    server,
    userId: device.user_id,
    userName: device.user_name,
    deviceId: device.id,
    deviceName: device.name,
    publicKey: keyPair.publicKey,
    tlsFingerprint,
    created: new Date(deps.http.clock.now()).toISOString(),
  };
  const withdraw = async () => {
    // No half-made account: withdraw the device from the server and the key and TOTP secret from the vault.
    await send(
      http,
      server,
      { method: 'DELETE', path: `/v1/approver-device/${device.id}` },
      { deviceId: device.id, key: privateKeyObject(keyPair.privateKey) },
    );
    await deps.keys.delete(accountId);
    await deps.totp.delete(accountId);
  };
  if (totpSecret !== null) {
    const saved = await deps.totp.save(accountId, totpSecret);
    if (!saved.ok) {
      await withdraw();
      return saved;
    }
  }
  try {
    deps.accounts.insert(account);
  } catch (thrown) {
    await withdraw();
    return fail('INTERNAL', `Pairing succeeded but the account could not be saved: ${describeThrown(thrown)}.`);
  }
  return ok(account);
}
