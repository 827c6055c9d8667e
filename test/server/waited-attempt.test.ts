// POST /v1/session-server?wait=N: the attempt itself waits for the owner's decision, so a quick approval needs no
// status read; and an attempt sent again with the same claim is answered with the request the first one made.
import { afterEach, expect, it } from 'vitest';
import { ErrorText, SessionServerOpened, SessionServerRequestRead } from '../../protocol/index.js';
import { TestInstallation } from '../support/requester.js';
import { http, type HttpReply } from '../support/server.js';
import { countRows, createKey, errorText, readStatusOk, type World, world } from './helpers.js';

const CLAIM = 'claim-of-the-requester-0123456789';
const OTHER_CLAIM = 'claim-of-somebody-else-0123456789';

let w: World;
afterEach(async () => w.close());

function post(
  apiKey: string,
  query: string,
  options: { claim?: string; userAgent?: string; localAddress?: string } = {},
): Promise<HttpReply> {
  return http(`${w.server.url}/v1/session-server${query}`, {
    method: 'POST',
    localAddress: options.localAddress,
    body: { secret: apiKey, description: 'nightly export' },
    headers: {
      'user-agent': options.userAgent ?? 'waited-attempt-test/1',
      ...(options.claim ? { 'x-countersign-claim': options.claim } : {}),
    },
  });
}

function readOf(reply: HttpReply) {
  expect(reply.status, reply.text).toBe(202);
  return SessionServerRequestRead.parse(reply.json).Response;
}

const tokenIn = (items: ReturnType<typeof readOf>) =>
  (items.find((item) => 'Token' in item) as { Token: { token: string } } | undefined)?.Token.token;

function introspect(token: string) {
  return http(`${w.server.url}/v1/session-server/introspect`, {
    method: 'POST',
    headers: { authorization: `Bearer ${w.server.introspectionSecret}` },
    body: { token },
  });
}

it('holds the POST until the owner approves and hands out the token in its reply, once', async () => {
  w = await world();
  const key = await createKey(w, 'push');
  const posting = post(key.api_key, '?wait=20');
  const { request } = await w.stream.next('approval.requested');
  expect((await w.device.decide(request.uuid, { decision: 'APPROVE' })).status).toBe(200);

  const items = readOf(await posting);
  expect(items[0].SessionServerRequest).toMatchObject({
    uuid: request.uuid,
    status: 'ACCEPTED',
    token_delivered: true,
  });
  const token = tokenIn(items)!;
  expect((await introspect(token)).json).toMatchObject({ active: true, credential_id: key.id });
  // It went out once: a status read afterwards says so and carries no token.
  const later = await readStatusOk(w.server, request.uuid, key.api_key);
  expect(later.Response).toHaveLength(1);
  expect(later.Response[0].SessionServerRequest).toMatchObject({ status: 'ACCEPTED', token_delivered: true });
});

it('tells a block that comes while the POST waits', async () => {
  w = await world();
  const key = await createKey(w, 'push');
  const posting = post(key.api_key, '?wait=20');
  const { request } = await w.stream.next('approval.requested');
  await w.device.decide(request.uuid, { decision: 'BLOCK' });
  const items = readOf(await posting);
  expect(items).toHaveLength(1);
  expect(items[0].SessionServerRequest).toMatchObject({ status: 'REJECTED', token_delivered: false });
});

it('answers PENDING when the wait runs out, and the status read takes over', async () => {
  w = await world();
  const key = await createKey(w, 'push');
  const items = readOf(await post(key.api_key, '?wait=1'));
  expect(items[0].SessionServerRequest).toMatchObject({ status: 'PENDING', approver_online: true });
  const { uuid } = items[0].SessionServerRequest;
  const polling = readStatusOk(w.server, uuid, key.api_key, 20);
  await w.device.decide(uuid, { decision: 'APPROVE' });
  expect((await polling).Response).toHaveLength(3);
});

// Both replies come back before anything is decided, though the wait asked for is longer than the test may run.
it('does not hold a request whose code the requester must show first', async () => {
  w = await world();
  const key = await createKey(w, 'push', { codeLength: 3 });
  const items = readOf(await post(key.api_key, '?wait=25'));
  expect(items[0].SessionServerRequest).toMatchObject({
    status: 'PENDING',
    binding_code: expect.stringMatching(/^\d{3}$/),
  });
});

it('does not hold a request while no approver device is online to be asked', async () => {
  w = await world();
  const key = await createKey(w, 'push');
  const probe = readOf(await post(key.api_key, '', { userAgent: 'probe/1' }))[0].SessionServerRequest;
  await w.stream.close();
  const online = async () =>
    (await readStatusOk(w.server, probe.uuid, key.api_key)).Response[0].SessionServerRequest.approver_online;
  await expect.poll(online, { timeout: 5000 }).toBe(false);
  const items = readOf(await post(key.api_key, '?wait=25'));
  expect(items[0].SessionServerRequest).toMatchObject({ status: 'PENDING', approver_online: false });
});

it('refuses a bad wait with 400 and makes no request', async () => {
  w = await world();
  const key = await createKey(w, 'push');
  for (const query of ['?wait=26', '?wait=x', '?wait=-1']) {
    const reply = await post(key.api_key, query);
    expect(reply.status, query).toBe(400);
    expect(errorText(reply)).toBe('wait: wait must be a whole number of seconds from 0 to 25');
  }
  const extra = await post(key.api_key, '?wait=1&later=2');
  expect(extra.status).toBe(400);
  expect(errorText(extra)).toContain('"later"');
  expect(await countRows(w.server, 'session_requests')).toBe(0);
});

it('answers an attempt sent again with the same claim with the first one’s request, token included', async () => {
  w = await world();
  const key = await createKey(w, 'push');
  const first = readOf(await post(key.api_key, '', { claim: CLAIM }))[0].SessionServerRequest;
  // Sent again before anyone decided (its reply was lost): the same request, not a second one, not a repeat.
  const again = readOf(await post(key.api_key, '', { claim: CLAIM }))[0].SessionServerRequest;
  expect(again).toMatchObject({ uuid: first.uuid, status: 'PENDING', repeat_count: 1 });
  expect(await countRows(w.server, 'session_requests')).toBe(1);

  await w.device.decide(first.uuid, { decision: 'APPROVE' });
  const opened = readOf(await post(key.api_key, '', { claim: CLAIM }));
  const token = tokenIn(opened)!;
  expect((await introspect(token)).json).toMatchObject({ active: true });
  // And once more (that reply lost too): a fresh token for the same session; the one before stops working.
  const reopened = readOf(await post(key.api_key, '', { claim: CLAIM }));
  const fresh = tokenIn(reopened)!;
  expect(fresh).not.toBe(token);
  expect((await introspect(fresh)).json).toMatchObject({ active: true });
  expect((await introspect(token)).json).toEqual({ active: false });
  expect(await countRows(w.server, 'session_requests')).toBe(1);
  expect(await countRows(w.server, 'sessions')).toBe(1);
});

it('does not put a blocked request before the owner again when its attempt is sent again', async () => {
  w = await world();
  const key = await createKey(w, 'push');
  const first = readOf(await post(key.api_key, '', { claim: CLAIM }))[0].SessionServerRequest;
  await w.device.decide(first.uuid, { decision: 'BLOCK' });
  const again = readOf(await post(key.api_key, '?wait=20', { claim: CLAIM }));
  expect(again).toHaveLength(1);
  expect(again[0].SessionServerRequest).toMatchObject({ uuid: first.uuid, status: 'REJECTED' });
  expect(await countRows(w.server, 'session_requests')).toBe(1);
});

it('gives another holder of the key nothing of a claimed request: another claim is another request', async () => {
  w = await world();
  const key = await createKey(w, 'push');
  const first = readOf(await post(key.api_key, '', { claim: CLAIM }))[0].SessionServerRequest;
  await w.device.decide(first.uuid, { decision: 'APPROVE' });
  for (const claim of [OTHER_CLAIM, undefined]) {
    const items = readOf(await post(key.api_key, '', { claim }));
    expect(items).toHaveLength(1);
    expect(items[0].SessionServerRequest.uuid).not.toBe(first.uuid);
    expect(items[0].SessionServerRequest.status).toBe('PENDING');
  }
  // The claim's holder still collects its token.
  expect(tokenIn(readOf(await post(key.api_key, '', { claim: CLAIM })))).toEqual(expect.any(String));
});

it('finds a claim only among the key’s own requests', async () => {
  w = await world();
  const key = await createKey(w, 'push', { name: 'one' });
  const other = await createKey(w, 'push', { name: 'two' });
  const first = readOf(await post(key.api_key, '', { claim: CLAIM }))[0].SessionServerRequest;
  await w.device.decide(first.uuid, { decision: 'APPROVE' });
  const items = readOf(await post(other.api_key, '', { claim: CLAIM }));
  expect(items).toHaveLength(1);
  expect(items[0].SessionServerRequest).toMatchObject({ status: 'PENDING' });
  expect(items[0].SessionServerRequest.uuid).not.toBe(first.uuid);
  expect(errorText(await post(key.api_key, '', { claim: 'x' }))).toBe(ErrorText.CLAIM_INVALID);
});

it('answers a claimed attempt that opened at once with a fresh token, from a permitted address only', async () => {
  w = await world();
  const key = await createKey(w, 'ip-only', { ips: ['127.0.0.1'] });
  const opened = await post(key.api_key, '', { claim: CLAIM });
  expect(opened.status, opened.text).toBe(200);
  const first = SessionServerOpened.parse(opened.json).Response[1].Token.token;
  // From an address the key does not permit, the claim changes nothing: refused like any attempt from there.
  const elsewhere = await post(key.api_key, '', { claim: CLAIM, localAddress: '127.0.0.2' });
  expect(elsewhere.status).toBe(401);
  expect(errorText(elsewhere)).toBe(ErrorText.BAD_CREDENTIALS);
  // From the permitted one: the same request and session, with a fresh token.
  const fresh = tokenIn(readOf(await post(key.api_key, '', { claim: CLAIM })))!;
  expect(fresh).not.toBe(first);
  expect((await introspect(fresh)).json).toMatchObject({ active: true });
  expect((await introspect(first)).json).toEqual({ active: false });
  expect(await countRows(w.server, 'sessions')).toBe(1);
});

it('answers the claim of a request an installation signed to that installation only', async () => {
  w = await world();
  const key = await createKey(w, 'push');
  const runner = await TestInstallation.register(w.server.url, key.api_key, 'runner-3');
  const first = readOf(await runner.attempt(key.api_key, { claim: CLAIM }))[0].SessionServerRequest;
  await w.device.decide(first.uuid, { decision: 'APPROVE' });
  const unsigned = await post(key.api_key, '', { claim: CLAIM });
  expect(unsigned.status).toBe(401);
  expect(errorText(unsigned)).toBe(ErrorText.INSTALLATION_REQUIRED);
  const other = await TestInstallation.register(w.server.url, key.api_key, 'other');
  expect((await other.attempt(key.api_key, { claim: CLAIM })).status).toBe(401);
  // Neither made a request or took the token: the installation's own attempt collects it.
  expect(await countRows(w.server, 'session_requests')).toBe(1);
  expect(tokenIn(readOf(await runner.attempt(key.api_key, { claim: CLAIM })))).toEqual(expect.any(String));
});
