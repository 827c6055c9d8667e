// Time and counting rules: request expiry, long-poll wake-ups, at most 3 PENDING per key, lock after 3 blocks (or wrong
// number-match picks).
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorText, Limits } from '../../protocol/index.js';
import { http } from '../support/server.js';
import { attempt, createKey, errorText, pendingAttempt, readStatusOk, type World, world } from './helpers.js';

let w: World;
afterEach(async () => w.close());

describe('expiry', () => {
  it('expires an undecided request: devices hear it, the requester reads EXPIRED, a late decision gets 410', async () => {
    w = await world({ requestLifetimeSeconds: 1 });
    const key = await createKey(w, 'push');
    const pending = await pendingAttempt(w.server, key.api_key);
    expect(Date.parse(pending.expiry_time) - Date.now()).toBeLessThanOrEqual(1_000);
    await w.stream.next('approval.requested');
    expect(await w.stream.next('approval.resolved')).toEqual({
      type: 'approval.resolved',
      uuid: pending.uuid,
      status: 'EXPIRED',
    });
    const read = await readStatusOk(w.server, pending.uuid, key.api_key);
    expect(read.Response[0].SessionServerRequest.status).toBe('EXPIRED');
    const late = await w.device.decide(pending.uuid, { decision: 'APPROVE' });
    expect(late.status).toBe(410);
    expect(errorText(late)).toBe(ErrorText.EXPIRED);
  });

  it('wakes a long-poll when the request expires', async () => {
    w = await world({ requestLifetimeSeconds: 2 });
    const key = await createKey(w, 'push');
    const pending = await pendingAttempt(w.server, key.api_key);
    const read = await readStatusOk(w.server, pending.uuid, key.api_key, 25);
    expect(read.Response[0].SessionServerRequest.status).toBe('EXPIRED');
  });

  it('does not send expired requests to a device that connects later', async () => {
    w = await world({ requestLifetimeSeconds: 1 });
    const key = await createKey(w, 'push');
    await pendingAttempt(w.server, key.api_key);
    await w.stream.next('approval.resolved');
    const live = await createKey(w, 'push');
    const fresh = await pendingAttempt(w.server, live.api_key);
    const late = await w.device.connect();
    await late.next('hello');
    expect((await late.next('approval.requested')).request.uuid).toBe(fresh.uuid);
    await late.close();
  });
});

describe('long-poll', () => {
  it('returns as soon as the owner decides', async () => {
    w = await world();
    const key = await createKey(w, 'push');
    const pending = await pendingAttempt(w.server, key.api_key);
    // The poll may wait up to 25 s; it can only come back ACCEPTED (within the test's time) if the decision woke it.
    const poll = readStatusOk(w.server, pending.uuid, key.api_key, 25);
    await w.stream.next('approval.requested');
    await w.device.decide(pending.uuid, { decision: 'APPROVE' });
    const read = await poll;
    expect(read.Response[0].SessionServerRequest.status).toBe('ACCEPTED');
    expect(read.Response).toHaveLength(3);
  });

  it('refuses a wait outside 0..25', async () => {
    w = await world();
    const key = await createKey(w, 'push');
    const pending = await pendingAttempt(w.server, key.api_key);
    for (const wait of ['26', '-1', 'soon']) {
      const reply = await readStatusRaw(pending.uuid, key.api_key, `?wait=${wait}`);
      expect(reply.status).toBe(400);
      expect(errorText(reply)).toMatch(/^wait: /);
    }
    const extra = await readStatusRaw(pending.uuid, key.api_key, '?wait=1&later=2');
    expect(extra.status).toBe(400);
    expect(errorText(extra)).toContain('"later"');
  });
});

function readStatusRaw(uuid: string, apiKey: string, query: string) {
  return http(`${w.server.url}/v1/session-server-request/${uuid}${query}`, {
    headers: { 'x-bunq-client-authentication': apiKey },
  });
}

describe('limits', () => {
  it(`answers 429 to a key that already has ${Limits.MAX_PENDING_PER_KEY} PENDING requests`, async () => {
    w = await world();
    const key = await createKey(w, 'push');
    const first = await pendingAttempt(w.server, key.api_key);
    await pendingAttempt(w.server, key.api_key);
    await pendingAttempt(w.server, key.api_key);
    const refused = await attempt(w.server, key.api_key);
    expect(refused.status).toBe(429);
    expect(errorText(refused)).toBe(ErrorText.TOO_MANY_PENDING);
    expect(refused.headers['retry-after']).toBeDefined();
    // Another key is not affected, and a decision frees a place.
    await pendingAttempt(w.server, (await createKey(w, 'push')).api_key);
    await w.device.decide(first.uuid, { decision: 'BLOCK' });
    await pendingAttempt(w.server, key.api_key);
  });

  it('locks the key after 3 blocks within 10 minutes, tells the owner, and a PUT ACTIVE unlocks it', async () => {
    w = await world();
    const key = await createKey(w, 'push', { name: 'scraper' });
    for (let i = 0; i < Limits.LOCK_AFTER_BLOCKS; i += 1) {
      const pending = await pendingAttempt(w.server, key.api_key);
      const reply = await w.device.decide(pending.uuid, { decision: 'BLOCK' });
      expect(reply.status, reply.text).toBe(200);
    }
    const locked = await w.stream.next('credential.locked');
    expect(locked.credential).toEqual({ id: key.id, name: 'scraper' });
    expect(locked.reason).toMatch(/3 blocked/);

    const refused = await attempt(w.server, key.api_key);
    expect(refused.status).toBe(401);
    expect(errorText(refused)).toBe(ErrorText.BAD_CREDENTIALS);
    const path = `/v1/user/${w.user.id}/credential-password-ip/${key.id}`;
    expect((await w.device.request('GET', path)).json).toMatchObject({
      Response: [{ CredentialPasswordIp: { status: 'LOCKED' } }],
    });

    const unlock = await w.device.request('PUT', path, { status: 'ACTIVE' });
    expect(unlock.status, unlock.text).toBe(200);
    expect(unlock.json).toMatchObject({
      Response: [{ Id: { id: key.id } }, { CredentialPasswordIp: { status: 'ACTIVE' } }],
    });
    // The count starts afresh: one more block does not lock it again.
    const next = await pendingAttempt(w.server, key.api_key);
    await w.device.decide(next.uuid, { decision: 'BLOCK' });
    await pendingAttempt(w.server, key.api_key);
  });

  it('counts a wrong typed code as a block: 3 wrong codes lock the key', async () => {
    w = await world();
    const key = await createKey(w, 'push', { name: 'matched', numberMatching: true });
    for (let i = 0; i < Limits.LOCK_AFTER_BLOCKS; i += 1) {
      const pending = await pendingAttempt(w.server, key.api_key);
      await w.stream.next('approval.requested');
      // Another code of the same length: the requester showed pending.binding_code, the owner typed this.
      const code = pending.binding_code!;
      const wrongCode = String((Number(code) + 1) % 10 ** code.length).padStart(code.length, '0');
      const reply = await w.device.decide(pending.uuid, { decision: 'APPROVE', binding_code: wrongCode });
      expect(reply.json).toMatchObject({ Response: [{ SessionServerRequest: { binding_mismatch: true } }] });
    }
    const locked = await w.stream.next('credential.locked');
    expect(locked.credential).toEqual({ id: key.id, name: 'matched' });
    expect(locked.reason).toBe(
      'Locked after 3 refused session requests (blocked or a wrong code) within 10 minutes; 0 sessions ended. Set it ACTIVE again to unlock it.',
    );
    const refused = await attempt(w.server, key.api_key);
    expect(refused.status).toBe(401);
    expect(errorText(refused)).toBe(ErrorText.BAD_CREDENTIALS);
    const path = `/v1/user/${w.user.id}/credential-password-ip/${key.id}`;
    expect((await w.device.request('GET', path)).json).toMatchObject({
      Response: [{ CredentialPasswordIp: { status: 'LOCKED' } }],
    });
  });

  it('counts wrong codes and blocks together toward the lock', async () => {
    w = await world();
    const key = await createKey(w, 'push', { numberMatching: true });
    const first = await pendingAttempt(w.server, key.api_key);
    await w.device.decide(first.uuid, { decision: 'APPROVE' }); // no code at all is a wrong code
    const second = await pendingAttempt(w.server, key.api_key);
    await w.device.decide(second.uuid, { decision: 'BLOCK' });
    // Two refusals: still usable.
    const third = await pendingAttempt(w.server, key.api_key);
    await w.device.decide(third.uuid, { decision: 'APPROVE', binding_code: third.binding_code === '00' ? '01' : '00' });
    await w.stream.next('credential.locked');
    expect((await attempt(w.server, key.api_key)).status).toBe(401);
  });

  it('rejects the PENDING requests of a key when it gets locked', async () => {
    w = await world();
    const key = await createKey(w, 'push');
    const [a, b, c] = [
      await pendingAttempt(w.server, key.api_key),
      await pendingAttempt(w.server, key.api_key),
      await pendingAttempt(w.server, key.api_key),
    ];
    await w.device.decide(a.uuid, { decision: 'BLOCK' });
    await w.device.decide(b.uuid, { decision: 'BLOCK' });
    const d = await pendingAttempt(w.server, key.api_key);
    await w.device.decide(c.uuid, { decision: 'BLOCK' });
    await w.stream.next('credential.locked');
    const read = await readStatusOk(w.server, d.uuid, key.api_key);
    expect(read.Response[0].SessionServerRequest.status).toBe('REJECTED');
  });
});
