// bunq's user/{userID}/credential-password-ip endpoints, checked field for field against bunq's shapes
// (UserCredentialPasswordIpRead, PermittedIpRead, PermittedIpCreate/Update → {Id: BunqId}), plus Countersign's
// extensions (docs/PROTOCOL.md §8).
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  CredentialCreated,
  CredentialPasswordIpList,
  CredentialPasswordIpRead,
  ErrorText,
  PermittedIpCreated,
  PermittedIpList,
  PermittedIpRead,
  SessionRequestHistory,
} from '../../protocol/index.js';
import { attempt, createKey, errorText, openedAttempt, pendingAttempt, type World, world } from './helpers.js';

/** The seed's UserCredentialPasswordIpRead properties, with the JSON type each must have (null where allowed). */
const SEED_CREDENTIAL_FIELDS = {
  id: 'number',
  created: 'string',
  updated: 'string',
  status: 'string',
  expiry_time: 'string|null',
  token_value: 'string|null',
  permitted_device: 'object|null',
} as const;
const EXTENSION_FIELDS = [
  'name',
  'mode',
  'number_matching',
  'code_length',
  'last_used',
  'permitted_ip_count',
  'allow_code_fallback',
];
/** The seed's PermittedIpRead properties (ip, status), plus id and timestamps to address and show them. */
const SEED_IP_FIELDS = ['ip', 'status'];

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

function jsonType(value: unknown): string {
  return value === null ? 'null' : typeof value;
}

function expectSeedCredential(item: Record<string, unknown>): void {
  expect(Object.keys(item).sort()).toEqual([...Object.keys(SEED_CREDENTIAL_FIELDS), ...EXTENSION_FIELDS].sort());
  for (const [field, types] of Object.entries(SEED_CREDENTIAL_FIELDS)) {
    expect(types.split('|'), field).toContain(jsonType(item[field]));
  }
  expect(item.created).toMatch(ISO);
  expect(item.updated).toMatch(ISO);
}

let w: World;
let base: string;
beforeEach(async () => {
  w = await world();
  base = `/v1/user/${w.user.id}/credential-password-ip`;
});
afterEach(async () => w.close());

describe('credential-password-ip', () => {
  it('lists and reads keys with exactly the seed fields plus ours', async () => {
    const key = await createKey(w, 'ip-only', { ips: ['127.0.0.1', '::1'], name: 'exporter' });
    const list = await w.device.request('GET', base);
    expect(list.status, list.text).toBe(200);
    const items = CredentialPasswordIpList.parse(list.json).Response;
    expect(items).toHaveLength(1);
    expectSeedCredential(items[0]!.CredentialPasswordIp);
    expect(items[0]!.CredentialPasswordIp).toMatchObject({
      id: key.id,
      status: 'PENDING_FIRST_USE',
      token_value: null,
      permitted_device: null,
      name: 'exporter',
      mode: 'ip-only',
      number_matching: false,
      last_used: null,
      permitted_ip_count: 2,
    });
    expect(items[0]!.CredentialPasswordIp.expiry_time).toMatch(ISO);

    const read = await w.device.request('GET', `${base}/${key.id}`);
    expect(CredentialPasswordIpRead.parse(read.json).Response[0].CredentialPasswordIp).toEqual(
      items[0]!.CredentialPasswordIp,
    );
  });

  it('shows permitted_device {description, ip} once the key is ACTIVE', async () => {
    const key = await createKey(w, 'ip-only', { ips: ['127.0.0.1'] });
    await openedAttempt(w.server, key.api_key, { headers: { 'user-agent': 'backup/2' } });
    const read = CredentialPasswordIpRead.parse((await w.device.request('GET', `${base}/${key.id}`)).json);
    const item = read.Response[0].CredentialPasswordIp;
    expectSeedCredential(item);
    expect(item).toMatchObject({
      status: 'ACTIVE',
      expiry_time: null,
      permitted_device: { description: 'backup/2', ip: '127.0.0.1' },
    });
  });

  it('creates a key whose value appears in the creation reply only, and works', async () => {
    const created = await w.device.request('POST', base, {
      name: 'ci',
      mode: 'push-unless-trusted',
      number_matching: true,
      ips: ['127.0.0.1'],
    });
    expect(created.status, created.text).toBe(200);
    const reply = CredentialCreated.parse(created.json);
    const item = reply.Response[1].CredentialPasswordIp;
    expectSeedCredential(item);
    expect(item).toMatchObject({
      id: reply.Response[0].Id.id,
      name: 'ci',
      number_matching: true,
      code_length: 3,
      permitted_ip_count: 1,
    });
    expect(item.token_value).toMatch(/^csk_/);
    await openedAttempt(w.server, item.token_value!);

    const again = CredentialPasswordIpRead.parse((await w.device.request('GET', `${base}/${item.id}`)).json);
    expect(again.Response[0].CredentialPasswordIp.token_value).toBeNull();
  });

  it('changes name, mode, number matching and status; INACTIVE refuses the key, ACTIVE restores it', async () => {
    const key = await createKey(w, 'ip-only', { ips: ['127.0.0.1'] });
    const put = await w.device.request('PUT', `${base}/${key.id}`, {
      name: 'renamed',
      mode: 'push',
      number_matching: true,
    });
    expect(put.status, put.text).toBe(200);
    const updated = CredentialCreated.parse(put.json).Response[1].CredentialPasswordIp;
    expect(updated).toMatchObject({
      name: 'renamed',
      mode: 'push',
      number_matching: true,
      code_length: 3,
      token_value: null,
    });
    expect((await pendingAttempt(w.server, key.api_key)).binding_code).toMatch(/^\d{3}$/);
    // code_length sets the length (0 turns the code off; number_matching reads false then).
    const six = await w.device.request('PUT', `${base}/${key.id}`, { code_length: 6 });
    expect(CredentialCreated.parse(six.json).Response[1].CredentialPasswordIp).toMatchObject({ code_length: 6 });
    expect((await pendingAttempt(w.server, key.api_key)).binding_code).toMatch(/^\d{6}$/);
    const off = await w.device.request('PUT', `${base}/${key.id}`, { code_length: 0 });
    expect(CredentialCreated.parse(off.json).Response[1].CredentialPasswordIp).toMatchObject({
      code_length: 0,
      number_matching: false,
    });
    expect((await pendingAttempt(w.server, key.api_key)).binding_code).toBeNull();
    const tooLong = await w.device.request('PUT', `${base}/${key.id}`, { code_length: 9 });
    expect(tooLong.status).toBe(400);
    expect(errorText(tooLong)).toBe('code_length: code_length must be a whole number from 0 to 8');

    await w.device.request('PUT', `${base}/${key.id}`, { status: 'INACTIVE' });
    expect((await openedOrStatus(key.api_key)).status).toBe(401);
    await w.device.request('PUT', `${base}/${key.id}`, { status: 'ACTIVE' });
    expect((await openedOrStatus(key.api_key)).status).toBe(202);
  });

  it('answers 404 for an unknown key or another user’s key', async () => {
    await w.server.admin.createUser('bob');
    const bobs = await w.server.admin.createKey({ user: 'bob', name: 'b', mode: 'push' });
    for (const path of [`${base}/9999`, `${base}/${bobs.id}`, `${base}/${bobs.id}/ip`]) {
      const reply = await w.device.request('GET', path);
      expect(reply.status).toBe(404);
      expect(errorText(reply)).toBe(ErrorText.NOT_FOUND);
    }
  });
});

const openedOrStatus = (apiKey: string) => attempt(w.server, apiKey);

describe('credential-password-ip/{id}/ip', () => {
  it('creates, lists, reads and updates permitted IPs with the seed fields and {Id} replies', async () => {
    const key = await createKey(w, 'ip-only');
    const ipBase = `${base}/${key.id}/ip`;
    const created = await w.device.request('POST', ipBase, { ip: '127.0.0.1' });
    expect(created.status, created.text).toBe(200);
    const { id } = PermittedIpCreated.parse(created.json).Response[0].Id;
    expect(Object.keys((created.json as { Response: object[] }).Response[0]!)).toEqual(['Id']);

    const list = PermittedIpList.parse((await w.device.request('GET', ipBase)).json).Response;
    expect(list).toHaveLength(1);
    const listed = list[0]!.PermittedIp;
    expect(Object.keys(listed).sort()).toEqual([...SEED_IP_FIELDS, 'id', 'created', 'updated'].sort());
    expect(listed).toMatchObject({ id, ip: '127.0.0.1', status: 'ACTIVE' });
    await openedAttempt(w.server, key.api_key);

    const put = await w.device.request('PUT', `${ipBase}/${id}`, { status: 'INACTIVE', ip: '127.0.0.1' });
    expect(put.status, put.text).toBe(200);
    expect(PermittedIpCreated.parse(put.json).Response[0].Id.id).toBe(id);
    const read = PermittedIpRead.parse((await w.device.request('GET', `${ipBase}/${id}`)).json);
    expect(read.Response[0].PermittedIp).toMatchObject({ id, ip: '127.0.0.1', status: 'INACTIVE' });
    expect((await openedOrStatus(key.api_key)).status).toBe(401);
  });

  it('keeps an IP immutable: a PUT with another ip is refused and changes nothing', async () => {
    const key = await createKey(w, 'ip-only', { ips: ['127.0.0.1'] });
    const ipBase = `${base}/${key.id}/ip`;
    const [entry] = PermittedIpList.parse((await w.device.request('GET', ipBase)).json).Response;
    const put = await w.device.request('PUT', `${ipBase}/${entry!.PermittedIp.id}`, {
      status: 'INACTIVE',
      ip: '127.0.0.2',
    });
    expect(put.status).toBe(400);
    expect(errorText(put)).toBe(ErrorText.IP_IMMUTABLE);
    const read = PermittedIpRead.parse((await w.device.request('GET', `${ipBase}/${entry!.PermittedIp.id}`)).json);
    expect(read.Response[0].PermittedIp).toEqual(entry!.PermittedIp);
  });

  it('refuses to list the same IP twice, and matches IPv6 in any spelling', async () => {
    const key = await createKey(w, 'push', { ips: ['::1'] });
    const ipBase = `${base}/${key.id}/ip`;
    const duplicate = await w.device.request('POST', ipBase, { ip: '0:0:0:0:0:0:0:1' });
    expect(duplicate.status).toBe(400);
    expect(errorText(duplicate)).toMatch(/^ip: ::1 is already listed/);
    const inactive = await w.device.request('POST', ipBase, { ip: '*', status: 'INACTIVE' });
    expect(inactive.status).toBe(200);
    const list = PermittedIpList.parse((await w.device.request('GET', ipBase)).json).Response;
    expect(list.map((e) => [e.PermittedIp.ip, e.PermittedIp.status])).toEqual([
      ['::1', 'ACTIVE'],
      ['*', 'INACTIVE'],
    ]);
  });
});

describe('history', () => {
  it('lists requests newest first, filters by status and key, and pages with older_than', async () => {
    const push = await createKey(w, 'push');
    const auto = await createKey(w, 'ip-only', { ips: ['127.0.0.1'] });
    const first = await pendingAttempt(w.server, push.api_key, { description: 'first' });
    await w.device.decide(first.uuid, { decision: 'BLOCK' });
    await openedAttempt(w.server, auto.api_key);
    const third = await pendingAttempt(w.server, push.api_key, { description: 'third' });

    const path = `/v1/user/${w.user.id}/session-server-request`;
    const all = SessionRequestHistory.parse((await w.device.request('GET', path)).json).Response;
    expect(all.map((e) => e.SessionServerRequest.status)).toEqual(['PENDING', 'ACCEPTED', 'REJECTED']);
    expect(all[2]!.SessionServerRequest).toMatchObject({ uuid: first.uuid, decision: 'BLOCK', description: 'first' });

    const rejected = SessionRequestHistory.parse((await w.device.request('GET', `${path}?status=REJECTED`)).json);
    expect(rejected.Response.map((e) => e.SessionServerRequest.uuid)).toEqual([first.uuid]);
    const byKey = SessionRequestHistory.parse((await w.device.request('GET', `${path}?credential_id=${auto.id}`)).json);
    expect(byKey.Response.map((e) => e.SessionServerRequest.auto_accepted)).toEqual([true]);
    const page = SessionRequestHistory.parse(
      (await w.device.request('GET', `${path}?older_than=${third.uuid}&count=1`)).json,
    );
    expect(page.Response.map((e) => e.SessionServerRequest.credential.id)).toEqual([auto.id]);
  });
});
