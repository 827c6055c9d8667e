// PENDING → decision → outcome, as requester, device and database see it.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  DecisionResult,
  ErrorText,
  IntrospectResult,
  SessionRequestHistory,
  SessionServerRequestRead,
} from '../../protocol/index.js';
import { http } from '../support/server.js';
import {
  attempt,
  createKey,
  countRows,
  databaseBytesContain,
  errorText,
  openedAttempt,
  pendingAttempt,
  queryDb,
  readStatus,
  readStatusOk,
  type World,
  world,
} from './helpers.js';

let w: World;
beforeEach(async () => {
  w = await world();
});
afterEach(async () => w.close());

async function introspect(token: string) {
  const reply = await http(`${w.server.url}/v1/session-server/introspect`, {
    method: 'POST',
    headers: { authorization: `Bearer ${w.server.introspectionSecret}` },
    body: { token },
  });
  expect(reply.status, reply.text).toBe(200);
  return IntrospectResult.parse(reply.json);
}

describe('approve', () => {
  it('hands the token out exactly once, to the first read after ACCEPTED, and stores only its hash', async () => {
    const key = await createKey(w, 'push');
    const pending = await pendingAttempt(w.server, key.api_key);
    expect((await readStatusOk(w.server, pending.uuid, key.api_key)).Response[0].SessionServerRequest.status).toBe(
      'PENDING',
    );

    const decided = await w.device.decide(pending.uuid, { decision: 'APPROVE' });
    expect(decided.status, decided.text).toBe(200);
    expect(DecisionResult.parse(decided.json).Response[0].SessionServerRequest).toEqual({
      uuid: pending.uuid,
      status: 'ACCEPTED',
      binding_mismatch: false,
    });

    const first = (await readStatusOk(w.server, pending.uuid, key.api_key)).Response;
    expect(first).toHaveLength(3);
    expect(first[0].SessionServerRequest).toMatchObject({ status: 'ACCEPTED', token_delivered: true });
    const token = (first as unknown as [unknown, { Id: { id: number } }, { Token: { id: number; token: string } }])[2]
      .Token;
    expect(token.token).toMatch(/^cst_/);

    const second = (await readStatusOk(w.server, pending.uuid, key.api_key)).Response;
    expect(second).toHaveLength(1);
    expect(second[0].SessionServerRequest).toMatchObject({ status: 'ACCEPTED', token_delivered: true });

    expect(await introspect(token.token)).toMatchObject({ active: true, credential_id: key.id, ip: '127.0.0.1' });
    expect(await databaseBytesContain(w.server, token.token)).toBe(false);
  });

  // A long-poll woken by an approval on this server hands out the token without reading the request again: the
  // reply must still be the request as it is then (ACCEPTED, and the repeats merged into it while it waited).
  it('answers a long-poll woken by the approval with the request as it now is', async () => {
    const key = await createKey(w, 'push');
    const same = { headers: { 'user-agent': 'nightly-backup/1' } };
    const pending = await pendingAttempt(w.server, key.api_key, same);
    const poll = readStatus(w.server, pending.uuid, key.api_key, 20);
    // Time for the read to reach its wait (if it came late it would read the outcome instead; it passes alike).
    await new Promise((done) => setTimeout(done, 300));
    for (let n = 0; n < 2; n++) expect((await pendingAttempt(w.server, key.api_key, same)).uuid).toBe(pending.uuid);
    expect((await w.device.decide(pending.uuid, { decision: 'APPROVE' })).status).toBe(200);
    const reply = await poll;
    expect(reply.status, reply.text).toBe(200);
    const read = SessionServerRequestRead.parse(reply.json).Response;
    expect(read[0].SessionServerRequest).toMatchObject({ status: 'ACCEPTED', token_delivered: true, repeat_count: 3 });
    expect(read).toHaveLength(3);
    expect(await countRows(w.server, 'sessions')).toBe(1);
  });

  it('gives the token to exactly one of several simultaneous reads', async () => {
    const key = await createKey(w, 'push');
    const pending = await pendingAttempt(w.server, key.api_key);
    await w.device.decide(pending.uuid, { decision: 'APPROVE' });
    const reads = await Promise.all(Array.from({ length: 6 }, () => readStatusOk(w.server, pending.uuid, key.api_key)));
    expect(reads.filter((r) => r.Response.length === 3)).toHaveLength(1);
    expect(await countRows(w.server, 'sessions')).toBe(1);
  });

  it('tells the owner which device decided, and keeps the signed decision as evidence', async () => {
    const key = await createKey(w, 'push');
    const pending = await pendingAttempt(w.server, key.api_key);
    await w.device.decide(pending.uuid, { decision: 'APPROVE' });
    const history = SessionRequestHistory.parse(
      (await w.device.request('GET', `/v1/user/${w.user.id}/session-server-request`)).json,
    );
    expect(history.Response[0]?.SessionServerRequest).toMatchObject({
      uuid: pending.uuid,
      status: 'ACCEPTED',
      decision: 'APPROVE',
      decided_by_device_id: w.device.id,
      auto_accepted: false,
      binding_mismatch: false,
    });
    const stored = await queryDb(
      w.server,
      'SELECT decision_signature FROM session_requests WHERE uuid = ?',
      pending.uuid,
    );
    expect(stored).toEqual([{ decision_signature: w.device.signDecision(pending.uuid, { decision: 'APPROVE' }) }]);
  });

  it('refuses a decision whose signature does not verify, and the request stays PENDING', async () => {
    const key = await createKey(w, 'push');
    const pending = await pendingAttempt(w.server, key.api_key);
    // Signed for BLOCK, sent as APPROVE: the evidence would not match what was decided.
    const reply = await w.device.request('POST', `/v1/session-server-request/${pending.uuid}/decision`, {
      decision: 'APPROVE',
      signature: w.device.signDecision(pending.uuid, { decision: 'BLOCK' }),
    });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toMatch(/^signature: /);
    expect((await readStatusOk(w.server, pending.uuid, key.api_key)).Response[0].SessionServerRequest.status).toBe(
      'PENDING',
    );
  });

  it('with a typed code: the right code approves, a wrong or missing one rejects with binding_mismatch', async () => {
    const key = await createKey(w, 'push', { codeLength: 3 });
    const right = await pendingAttempt(w.server, key.api_key);
    const shown = (await w.stream.next('approval.requested')).request;
    // The device is told how many digits to ask for, never the code (nor choices that contain it).
    expect(shown).toMatchObject({ code_length: 3, binding_choices: null });
    expect(JSON.stringify(shown)).not.toContain(`"${right.binding_code}"`);
    const wrong = await pendingAttempt(w.server, key.api_key);
    const missing = await pendingAttempt(w.server, key.api_key);

    const ok = await w.device.decide(right.uuid, { decision: 'APPROVE', binding_code: right.binding_code! });
    expect(DecisionResult.parse(ok.json).Response[0].SessionServerRequest.status).toBe('ACCEPTED');

    const other = wrong.binding_code === '000' ? '001' : '000';
    for (const [uuid, reply] of [
      [wrong.uuid, await w.device.decide(wrong.uuid, { decision: 'APPROVE', binding_code: other })],
      [missing.uuid, await w.device.decide(missing.uuid, { decision: 'APPROVE' })],
    ] as const) {
      expect(reply.status, reply.text).toBe(200);
      expect(DecisionResult.parse(reply.json).Response[0].SessionServerRequest).toEqual({
        uuid,
        status: 'REJECTED',
        binding_mismatch: true,
      });
      const read = await readStatusOk(w.server, uuid, key.api_key);
      expect(read.Response).toHaveLength(1);
      expect(read.Response[0].SessionServerRequest.status).toBe('REJECTED');
    }
  });

  it('a wrong typed code counts toward the lock: the third refusal locks the key and ends its sessions', async () => {
    const key = await createKey(w, 'push', { codeLength: 3 });
    const approved = await pendingAttempt(w.server, key.api_key);
    await w.device.decide(approved.uuid, { decision: 'APPROVE', binding_code: approved.binding_code! });
    const session = await readStatusOk(w.server, approved.uuid, key.api_key);
    expect(session.Response).toHaveLength(3);
    for (let n = 1; n <= 3; n += 1) {
      const pending = await pendingAttempt(w.server, key.api_key);
      const wrong = pending.binding_code === '999' ? '998' : '999';
      const reply = await w.device.decide(pending.uuid, { decision: 'APPROVE', binding_code: wrong });
      expect(DecisionResult.parse(reply.json).Response[0].SessionServerRequest).toMatchObject({
        status: 'REJECTED',
        binding_mismatch: true,
      });
    }
    const locked = await w.stream.next('credential.locked');
    expect(locked).toMatchObject({ credential: { id: key.id }, sessions_ended: 1 });
    expect(locked.reason).toMatch(
      /^Locked after 3 refused session requests \(blocked or a wrong code\) within 10 minutes; 1 session ended\./,
    );
    expect((await attempt(w.server, key.api_key)).status).toBe(401);
  });
});

describe('block', () => {
  it('rejects the request: the requester reads REJECTED and never gets a token', async () => {
    const key = await createKey(w, 'push');
    const pending = await pendingAttempt(w.server, key.api_key);
    const reply = await w.device.decide(pending.uuid, { decision: 'BLOCK' });
    expect(DecisionResult.parse(reply.json).Response[0].SessionServerRequest.status).toBe('REJECTED');
    const read = await readStatusOk(w.server, pending.uuid, key.api_key);
    expect(read.Response).toHaveLength(1);
    expect(read.Response[0].SessionServerRequest).toMatchObject({ status: 'REJECTED', token_delivered: false });
    // The key itself still works: one block is not a lock.
    await pendingAttempt(w.server, key.api_key);
  });

  it('with deactivate_credential: the key is INACTIVE and refused afterwards, its other requests rejected', async () => {
    const key = await createKey(w, 'push');
    const blocked = await pendingAttempt(w.server, key.api_key);
    const other = await pendingAttempt(w.server, key.api_key);
    await w.stream.next('approval.requested');
    await w.stream.next('approval.requested');
    const reply = await w.device.decide(blocked.uuid, { decision: 'BLOCK', deactivate_credential: true });
    expect(reply.status, reply.text).toBe(200);

    const refused = await attempt(w.server, key.api_key);
    expect(refused.status).toBe(401);
    expect(errorText(refused)).toBe(ErrorText.BAD_CREDENTIALS);
    const read = await w.device.request('GET', `/v1/user/${w.user.id}/credential-password-ip/${key.id}`);
    expect(read.json).toMatchObject({ Response: [{ CredentialPasswordIp: { status: 'INACTIVE' } }] });

    const resolved = [await w.stream.next('approval.resolved'), await w.stream.next('approval.resolved')];
    expect(resolved.map((m) => m.uuid).sort()).toEqual([blocked.uuid, other.uuid].sort());
    expect(resolved.every((m) => m.status === 'REJECTED')).toBe(true);
    // The requester of the blocked request still learns the outcome.
    expect((await readStatusOk(w.server, blocked.uuid, key.api_key)).Response[0].SessionServerRequest.status).toBe(
      'REJECTED',
    );
  });
});

describe('trust_ip', () => {
  it('adds the request IP as ACTIVE, so the next session from it opens at once in push-unless-trusted', async () => {
    const key = await createKey(w, 'push-unless-trusted', { ips: ['127.0.0.1'] });
    const pending = await pendingAttempt(w.server, key.api_key, { localAddress: '127.0.0.2' });
    const reply = await w.device.decide(pending.uuid, { decision: 'APPROVE', trust_ip: true });
    expect(reply.status, reply.text).toBe(200);
    await openedAttempt(w.server, key.api_key, { localAddress: '127.0.0.2' });

    const ips = (await w.device.request('GET', `/v1/user/${w.user.id}/credential-password-ip/${key.id}/ip`)).json;
    expect(ips).toMatchObject({
      Response: [
        { PermittedIp: { ip: '127.0.0.1', status: 'ACTIVE' } },
        { PermittedIp: { ip: '127.0.0.2', status: 'ACTIVE' } },
      ],
    });
  });

  it('is not implied by a plain approve', async () => {
    const key = await createKey(w, 'push-unless-trusted', { ips: ['127.0.0.1'] });
    const pending = await pendingAttempt(w.server, key.api_key, { localAddress: '127.0.0.2' });
    await w.device.decide(pending.uuid, { decision: 'APPROVE' });
    await pendingAttempt(w.server, key.api_key, { localAddress: '127.0.0.2' });
  });

  it('goes only with APPROVE', async () => {
    const key = await createKey(w, 'push');
    const pending = await pendingAttempt(w.server, key.api_key);
    const reply = await w.device.decide(pending.uuid, { decision: 'BLOCK', trust_ip: true });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toContain('trust_ip goes only with APPROVE');
  });
});

describe('status reads', () => {
  it('answer 404 to an unknown uuid, to another key, and to no key, alike', async () => {
    const key = await createKey(w, 'push');
    const otherKey = await createKey(w, 'push');
    const pending = await pendingAttempt(w.server, key.api_key);
    for (const reply of [
      await readStatus(w.server, crypto.randomUUID(), key.api_key),
      await readStatus(w.server, pending.uuid, otherKey.api_key),
      await http(`${w.server.url}/v1/session-server-request/${pending.uuid}`),
    ]) {
      expect(reply.status).toBe(404);
      expect(errorText(reply)).toBe(ErrorText.REQUEST_NOT_FOUND);
    }
  });
});
