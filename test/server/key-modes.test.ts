// The three key modes and the permitted-IP rules, with the requester on 127.0.0.1 (listed) and 127.0.0.2 (not).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorText, SessionRequestHistory } from '../../protocol/index.js';
import { sha256Hex } from '../../protocol/crypto.js';
import {
  attempt,
  createKey,
  databaseBytesContain,
  errorText,
  eventually,
  openedAttempt,
  pendingAttempt,
  type World,
  world,
} from './helpers.js';

const OTHER_IP = '127.0.0.2';
let w: World;

beforeEach(async () => {
  w = await world();
});
afterEach(async () => w.close());

describe('ip-only', () => {
  it('opens a session at once from a permitted IP, with Id, Token and UserApiKey as bunq does', async () => {
    const key = await createKey(w, 'ip-only', { ips: ['127.0.0.1'], name: 'exporter' });
    const opened = await openedAttempt(w.server, key.api_key);
    const [id, token, apiKey] = opened.Response;
    expect(token.Token.id).toBe(id.Id.id);
    expect(token.Token.token).toMatch(/^cst_/);
    expect(apiKey.UserApiKey).toEqual({ id: key.id, display_name: 'exporter', credential_id: key.id });
  });

  it('refuses an IP that is not listed, with bunq wording', async () => {
    const key = await createKey(w, 'ip-only', { ips: ['127.0.0.1'] });
    const reply = await attempt(w.server, key.api_key, { localAddress: OTHER_IP });
    expect(reply.status).toBe(401);
    expect(errorText(reply)).toBe(ErrorText.BAD_CREDENTIALS);
  });

  it('accepts any IP when "*" is listed', async () => {
    const key = await createKey(w, 'ip-only', { ips: ['*'] });
    await openedAttempt(w.server, key.api_key, { localAddress: OTHER_IP });
  });

  it('refuses an unknown key exactly as a refused IP', async () => {
    const reply = await attempt(w.server, 'csk_not-a-real-key');
    expect(reply.status).toBe(401);
    expect(errorText(reply)).toBe(ErrorText.BAD_CREDENTIALS);
  });

  it('never asks the owner: no approval.requested is pushed', async () => {
    const key = await createKey(w, 'ip-only', { ips: ['127.0.0.1'] });
    await openedAttempt(w.server, key.api_key);
    const push = await createKey(w, 'push');
    const pending = await pendingAttempt(w.server, push.api_key);
    // The first request the device hears of is the push key's: the ip-only session produced none.
    expect((await w.stream.next('approval.requested')).request.uuid).toBe(pending.uuid);
  });
});

describe('push', () => {
  it('asks the owner even from a permitted IP: 202 PENDING, pushed to the device with its context', async () => {
    const key = await createKey(w, 'push', { ips: ['127.0.0.1'], name: 'deploy-bot' });
    const pending = await pendingAttempt(w.server, key.api_key, {
      description: 'nightly export',
      headers: { 'user-agent': 'export-script/1.0', 'x-bunq-geolocation': '4.89 52.37 0 100 NL' },
    });
    expect(pending.status).toBe('PENDING');
    expect(pending.binding_code).toBeNull();
    expect(pending.token_delivered).toBe(false);
    const { request } = await w.stream.next('approval.requested');
    expect(request).toMatchObject({
      uuid: pending.uuid,
      credential: { id: key.id, name: 'deploy-bot', mode: 'push' },
      description: 'nightly export',
      ip: '127.0.0.1',
      ip_known: true,
      user_agent: 'export-script/1.0',
      geolocation: { longitude: 4.89, latitude: 52.37, altitude: 0, radius: 100, country: 'NL' },
      binding_choices: null,
      expiry_time: pending.expiry_time,
    });
  });

  it('marks an IP the key does not list as unknown to the owner', async () => {
    const key = await createKey(w, 'push', { ips: ['127.0.0.1'] });
    await pendingAttempt(w.server, key.api_key, { localAddress: OTHER_IP });
    const { request } = await w.stream.next('approval.requested');
    expect(request.ip).toBe(OTHER_IP);
    expect(request.ip_known).toBe(false);
    expect(request.geolocation).toBeNull();
  });

  it('with a typed code: the code for the requester, only its length for the owner (3 digits by default)', async () => {
    const key = await createKey(w, 'push', { numberMatching: true });
    const pending = await pendingAttempt(w.server, key.api_key);
    expect(pending.binding_code).toMatch(/^[0-9]{3}$/);
    const { request } = await w.stream.next('approval.requested');
    expect(request).toMatchObject({ code_length: 3, binding_choices: null });
  });
});

describe('push-unless-trusted', () => {
  it('opens at once from an ACTIVE IP and asks from any other', async () => {
    const key = await createKey(w, 'push-unless-trusted', { ips: ['127.0.0.1'] });
    await openedAttempt(w.server, key.api_key);
    const pending = await pendingAttempt(w.server, key.api_key, { localAddress: OTHER_IP });
    expect((await w.stream.next('approval.requested')).request).toMatchObject({ uuid: pending.uuid, ip_known: false });
  });

  it('does not trust an INACTIVE IP', async () => {
    const key = await createKey(w, 'push-unless-trusted', { ips: ['127.0.0.1'] });
    const list = await w.device.request('GET', `/v1/user/${w.user.id}/credential-password-ip/${key.id}/ip`);
    const ipId = (list.json as { Response: { PermittedIp: { id: number } }[] }).Response[0]!.PermittedIp.id;
    const put = await w.device.request('PUT', `/v1/user/${w.user.id}/credential-password-ip/${key.id}/ip/${ipId}`, {
      status: 'INACTIVE',
    });
    expect(put.status, put.text).toBe(200);
    await pendingAttempt(w.server, key.api_key);
  });
});

describe('first use and bookkeeping', () => {
  it('turns PENDING_FIRST_USE into ACTIVE at the first session and records who used the key', async () => {
    const key = await createKey(w, 'ip-only', { ips: ['127.0.0.1'] });
    const path = `/v1/user/${w.user.id}/credential-password-ip/${key.id}`;
    const before = (await w.device.request('GET', path)).json as {
      Response: [{ CredentialPasswordIp: Record<string, unknown> }];
    };
    expect(before.Response[0].CredentialPasswordIp).toMatchObject({
      status: 'PENDING_FIRST_USE',
      last_used: null,
      permitted_device: null,
    });
    expect(before.Response[0].CredentialPasswordIp.expiry_time).toEqual(expect.any(String));
    await openedAttempt(w.server, key.api_key, { description: 'backup job' });
    const after = (await w.device.request('GET', path)).json as typeof before;
    expect(after.Response[0].CredentialPasswordIp).toMatchObject({
      status: 'ACTIVE',
      expiry_time: null,
      permitted_device: { description: 'backup job', ip: '127.0.0.1' },
    });
    expect(after.Response[0].CredentialPasswordIp.last_used).toEqual(expect.any(String));
  });

  it('refuses a key that was never used within its first-use lifetime', async () => {
    await w.close();
    w = await world({ firstUseLifetimeSeconds: 1 });
    const unused = await createKey(w, 'ip-only', { ips: ['127.0.0.1'] });
    const used = await createKey(w, 'ip-only', { ips: ['127.0.0.1'] });
    await openedAttempt(w.server, used.api_key);
    // Any successful attempt would activate the key, so try only once its expiry_time has passed.
    const read = await w.device.request('GET', `/v1/user/${w.user.id}/credential-password-ip/${unused.id}`);
    const expiry = Date.parse(
      (read.json as { Response: [{ CredentialPasswordIp: { expiry_time: string } }] }).Response[0].CredentialPasswordIp
        .expiry_time,
    );
    await eventually(async () => (Date.now() > expiry ? true : undefined));
    const refused = await attempt(w.server, unused.api_key);
    expect(refused.status).toBe(401);
    expect(errorText(refused)).toBe(ErrorText.BAD_CREDENTIALS);
    // A key that has been used is ACTIVE and no longer has a first-use deadline.
    await openedAttempt(w.server, used.api_key);
  });

  it('records auto-accepted sessions in the history', async () => {
    const key = await createKey(w, 'ip-only', { ips: ['127.0.0.1'] });
    await openedAttempt(w.server, key.api_key);
    const reply = await w.device.request('GET', `/v1/user/${w.user.id}/session-server-request`);
    const [entry] = SessionRequestHistory.parse(reply.json).Response;
    expect(entry?.SessionServerRequest).toMatchObject({
      credential: { id: key.id },
      status: 'ACCEPTED',
      auto_accepted: true,
      decision: null,
      ip: '127.0.0.1',
    });
  });

  it('keeps only a hash of the API key: its value appears nowhere in the database files', async () => {
    const key = await createKey(w, 'push');
    await pendingAttempt(w.server, key.api_key);
    expect(await databaseBytesContain(w.server, key.api_key)).toBe(false);
    expect(await databaseBytesContain(w.server, sha256Hex(key.api_key))).toBe(true);
  });
});
