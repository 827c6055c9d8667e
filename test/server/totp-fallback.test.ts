// The offline code fallback against a real server: a TOTP code from the owner's device opens a session at once
// for a key that allows it, once per (device, step), within ±1 step; wrong codes are refused with bunq's wording,
// count toward the key's lock and are rate limited per IP; the secret is sealed in the database.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { statSync } from 'node:fs';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CredentialPasswordIpRead,
  ErrorText,
  SessionRequestHistory,
  SessionServerOpened,
} from '../../protocol/index.js';
import { base32Decode, totpCode } from '../../protocol/totp.js';
import { startServer } from '../../server/index.js';
import { TestDevice } from '../support/device.js';
import { testStoreKind } from '../support/postgres.js';
import { ADMIN_BIN, type HttpReply, http } from '../support/server.js';
import { databaseBytesContain, errorText, eventually, pendingAttempt, type World, world } from './helpers.js';

let w: World;
beforeEach(async () => {
  w = await world();
});
afterEach(async () => {
  await w.close();
});

function codeKey(
  extra: { mode?: 'push' | 'ip-only' | 'push-unless-trusted'; ips?: string[]; fallback?: boolean } = {},
) {
  return w.server.admin.createKey({
    user: w.user.name,
    name: 'nightly',
    mode: extra.mode ?? 'push',
    ips: extra.ips,
    codeFallback: extra.fallback ?? true,
  });
}

function withCode(server: { url: string }, apiKey: string, totp: string, localAddress?: string): Promise<HttpReply> {
  return http(`${server.url}/v1/session-server`, {
    method: 'POST',
    body: { secret: apiKey, totp },
    localAddress,
    headers: { 'user-agent': 'nightly-export/1.0' },
  });
}

const secretOf = (device: TestDevice) => base32Decode(device.totpSecret);

/** A code of the device `steps` steps from now, taken well inside a step so the server's clock sees the same step. */
async function codeAt(device: TestDevice, steps: number): Promise<string> {
  await eventually(async () => (Date.now() % 30_000 < 25_000 ? true : undefined), 10_000);
  return totpCode(secretOf(device), Date.now() + steps * 30_000);
}

/** A 6-digit code none of the device's codes within ±2 steps equals. */
function wrongCode(device: TestDevice): string {
  const near = new Set([-2, -1, 0, 1, 2].map((s) => totpCode(secretOf(device), Date.now() + s * 30_000)));
  let candidate = Number(totpCode(secretOf(device), Date.now()));
  do candidate = (candidate + 123_457) % 1_000_000;
  while (near.has(String(candidate).padStart(6, '0')));
  return String(candidate).padStart(6, '0');
}

async function history(): Promise<Record<string, unknown>[]> {
  const reply = await w.device.request('GET', `/v1/user/${w.user.id}/session-server-request`);
  return SessionRequestHistory.parse(reply.json).Response.map((e) => e.SessionServerRequest);
}

describe('TOTP code fallback', () => {
  it('pairing hands the device a base32 secret and an otpauth:// URI', async () => {
    expect(w.device.totpSecret).toMatch(/^[A-Z2-7]{32}$/);
    expect(secretOf(w.device)).toHaveLength(20);
  });

  it('a valid code opens the session at once (200), once; the history says it was approved by code', async () => {
    const key = await codeKey();
    const code = await codeAt(w.device, 0);
    const reply = await withCode(w.server, key.api_key, code);
    expect(reply.status, reply.text).toBe(200);
    const opened = SessionServerOpened.parse(reply.json);
    expect(opened.Response[1].Token.token).toMatch(/^cst_/);

    const replay = await withCode(w.server, key.api_key, code);
    expect(replay.status).toBe(401);
    expect(errorText(replay)).toBe(ErrorText.BAD_CREDENTIALS);

    const [refused, accepted] = await history();
    expect(accepted).toMatchObject({
      status: 'ACCEPTED',
      approved_by_code: true,
      wrong_code: false,
      decided_by_device_id: w.device.id,
      auto_accepted: false,
      user_agent: 'nightly-export/1.0',
    });
    expect(refused).toMatchObject({ status: 'REJECTED', approved_by_code: false, wrong_code: true });
  });

  it('accepts a code one step early or late (clock skew) and refuses two steps away', async () => {
    const key = await codeKey();
    for (const steps of [-1, 1]) {
      const reply = await withCode(w.server, key.api_key, await codeAt(w.device, steps));
      expect(reply.status, `${steps} step(s): ${reply.text}`).toBe(200);
    }
    // Unlock between refusals is not needed: two wrong codes stay under the lock.
    for (const steps of [-2, 2]) {
      const reply = await withCode(w.server, key.api_key, await codeAt(w.device, steps));
      expect(reply.status, `${steps} step(s)`).toBe(401);
    }
  });

  it("accepts a code of any of the owner's devices, each (device, step) once", async () => {
    const key = await codeKey();
    const second = await TestDevice.pair(w.server.url, (await w.server.admin.pair(w.user.name)).code, 'desktop-2');
    const first = await codeAt(w.device, 0);
    const other = totpCode(secretOf(second), Date.now());
    expect((await withCode(w.server, key.api_key, first)).status).toBe(200);
    if (other !== first) expect((await withCode(w.server, key.api_key, other)).status).toBe(200);
    const entries = await history();
    expect(entries.filter((e) => e.approved_by_code).map((e) => e.decided_by_device_id)).toEqual(
      other !== first ? [second.id, w.device.id] : [w.device.id],
    );
  });

  it('three wrong codes lock the key and tell the owner; then even a right code is refused', async () => {
    const key = await codeKey();
    for (let i = 0; i < 3; i++) {
      const reply = await withCode(w.server, key.api_key, wrongCode(w.device));
      expect(reply.status).toBe(401);
      expect(errorText(reply)).toBe(ErrorText.BAD_CREDENTIALS);
    }
    const locked = await w.stream.next('credential.locked');
    expect(locked).toMatchObject({ credential: { id: key.id } });
    const read = await w.device.request('GET', `/v1/user/${w.user.id}/credential-password-ip/${key.id}`);
    expect(CredentialPasswordIpRead.parse(read.json).Response[0].CredentialPasswordIp.status).toBe('LOCKED');
    expect((await withCode(w.server, key.api_key, await codeAt(w.device, 0))).status).toBe(401);
  });

  it('wrong codes and a BLOCK count together toward the lock', async () => {
    const key = await codeKey();
    await withCode(w.server, key.api_key, wrongCode(w.device));
    await withCode(w.server, key.api_key, wrongCode(w.device));
    const pending = await pendingAttempt(w.server, key.api_key);
    await w.device.decide(pending.uuid, { decision: 'BLOCK' });
    const read = await w.device.request('GET', `/v1/user/${w.user.id}/credential-password-ip/${key.id}`);
    expect(CredentialPasswordIpRead.parse(read.json).Response[0].CredentialPasswordIp.status).toBe('LOCKED');
  });

  it('a key without code fallback refuses codes exactly like a bad key, and codes are rate limited per IP', async () => {
    const key = await codeKey({ fallback: false });
    const unknown = await withCode(w.server, 'csk_not-a-key', '123456');
    const right = await withCode(w.server, key.api_key, await codeAt(w.device, 0));
    expect(right.status).toBe(401);
    expect(right.json).toEqual(unknown.json);
    // The key still works the usual way: no code, a push.
    await pendingAttempt(w.server, key.api_key);

    // 10 refused codes per address and key named per 15 minutes (one done above with this key; the unknown key's
    // counts apart), then 429 whatever the code.
    for (let i = 0; i < 9; i++) expect((await withCode(w.server, key.api_key, wrongCode(w.device))).status).toBe(401);
    const limited = await withCode(w.server, key.api_key, await codeAt(w.device, 0));
    expect(limited.status).toBe(429);
    expect(errorText(limited)).toBe(ErrorText.RATE_LIMITED);
    expect(Number(limited.headers['retry-after'])).toBeGreaterThan(0);
    // Another address is not affected.
    const fallbackKey = await codeKey();
    expect((await withCode(w.server, fallbackKey.api_key, await codeAt(w.device, 0), '127.0.0.2')).status).toBe(200);
  });

  it('an ip-only key with code fallback still needs a permitted IP', async () => {
    const key = await codeKey({ mode: 'ip-only', ips: ['127.0.0.2'] });
    const code = await codeAt(w.device, 0);
    expect((await withCode(w.server, key.api_key, code, '127.0.0.1')).status).toBe(401);
    expect((await withCode(w.server, key.api_key, code, '127.0.0.2')).status).toBe(200);
  });

  it('the owner turns code fallback on and off with PUT; the read shows it', async () => {
    const key = await codeKey({ fallback: false });
    const path = `/v1/user/${w.user.id}/credential-password-ip/${key.id}`;
    const put = await w.device.request('PUT', path, { allow_code_fallback: true });
    expect(put.status, put.text).toBe(200);
    const read = await w.device.request('GET', path);
    expect(CredentialPasswordIpRead.parse(read.json).Response[0].CredentialPasswordIp.allow_code_fallback).toBe(true);
    expect((await withCode(w.server, key.api_key, await codeAt(w.device, 0))).status).toBe(200);
  });

  it('countersign-admin key create --code-fallback (a real process) makes a key that takes codes', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [
      ADMIN_BIN,
      '--db',
      w.server.db,
      'key',
      'create',
      '--user',
      w.user.name,
      '--name',
      'from-admin',
      '--mode',
      'push',
      '--code-fallback',
    ]);
    const key = JSON.parse(stdout) as { id: number; api_key: string };
    const read = await w.device.request('GET', `/v1/user/${w.user.id}/credential-password-ip/${key.id}`);
    expect(CredentialPasswordIpRead.parse(read.json).Response[0].CredentialPasswordIp.allow_code_fallback).toBe(true);
    expect((await withCode(w.server, key.api_key, await codeAt(w.device, 0))).status).toBe(200);
  });

  it('a server running with another TOTP key refuses the codes with 401, not a 5xx', async () => {
    const key = await codeKey();
    const code = await codeAt(w.device, 0);
    const other = await startServer({
      db: w.server.db,
      port: 0,
      config: { totpKey: randomBytes(32) },
      validateReplies: true,
    });
    try {
      const reply = await withCode(other, key.api_key, code);
      expect(reply.status, reply.text).toBe(401);
    } finally {
      await other.close();
    }
  });

  it('refuses a code that is not 6 digits (400) before looking at the key', async () => {
    const key = await codeKey();
    for (const totp of ['12345', '1234567', 'abcdef', 123456]) {
      const reply = await http(`${w.server.url}/v1/session-server`, {
        method: 'POST',
        body: { secret: key.api_key, totp },
      });
      expect(reply.status, String(totp)).toBe(400);
    }
  });

  it('keeps the secret sealed: neither its base32 nor its raw bytes are in the database', async () => {
    await codeKey();
    expect(await databaseBytesContain(w.server, w.device.totpSecret)).toBe(false);
    expect(await databaseBytesContain(w.server, secretOf(w.device))).toBe(false);
  });

  it.skipIf(testStoreKind() === 'postgres')(
    'keeps the key file beside the SQLite database at mode 0600 (PostgreSQL has no key file: --totp-key is required)',
    () => {
      expect(statSync(`${w.server.db}.totp-key`).mode & 0o777).toBe(0o600);
    },
  );
});
