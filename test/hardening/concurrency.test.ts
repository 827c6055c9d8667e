// Two devices of one user deciding the same request at the same instant: exactly one decision is taken, the other
// gets 409, and the database says what the winner decided. With a block-and-deactivate racing an approval, the key
// ends either ACTIVE with the request ACCEPTED or INACTIVE with it REJECTED — and then nothing opens a session.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorText, pick } from '../../protocol/index.js';
import type { TestDevice } from '../support/device.js';
import { http, TEST_INTROSPECTION_SECRET } from '../support/server.js';
import { query } from './support/db.js';
import { type HardeningServer, startHardeningServer } from './support/server.js';
import { attempt, errorText, pendingUuid, person, pushKey, readRequest, report, Tally } from './support/world.js';

const RACES = 100;

let server: HardeningServer;
let first: TestDevice;
let second: TestDevice;

beforeAll(async () => {
  // Hundreds of session attempts from one address: the per-IP limit is not what this file tests.
  server = await startHardeningServer({ sessionRateLimit: 0 });
  [first, second] = (await person(server, 'alice', 2)).devices as [TestDevice, TestDevice];
});
afterAll(async () => server.close());

interface RequestRow {
  status: string;
  decision: string | null;
  decided_by_device_id: number | null;
  decision_signature: string | null;
  token_delivered: number;
  session_id: number | null;
}

async function requestRow(uuid: string): Promise<RequestRow> {
  return (
    await query<RequestRow>(
      server.db,
      `SELECT status, decision, decided_by_device_id, decision_signature, token_delivered, session_id
       FROM session_requests WHERE uuid = ?`,
      uuid,
    )
  )[0]!;
}

async function credentialStatus(id: number): Promise<string> {
  return (await query<{ status: string }>(server.db, 'SELECT status FROM credentials WHERE id = ?', id))[0]!.status;
}

async function liveSessions(credentialId: number): Promise<number> {
  return (
    await query<{ n: number }>(
      server.db,
      'SELECT COUNT(*) AS n FROM sessions WHERE credential_id = ? AND ended IS NULL AND expires > ?',
      credentialId,
      Date.now(),
    )
  )[0]!.n;
}

async function introspect(token: string): Promise<boolean> {
  const reply = await http(`${server.url}/v1/session-server/introspect`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TEST_INTROSPECTION_SECRET}` },
    body: { token },
  });
  expect(reply.status).toBe(200);
  return (reply.json as { active: boolean }).active;
}

/** Puts both calls in flight together, b's sent first when swapped; the replies come back as [a, b] either way. */
async function together<T>(a: () => Promise<T>, b: () => Promise<T>, swap: boolean): Promise<[T, T]> {
  if (!swap) return Promise.all([a(), b()]);
  const [fromB, fromA] = await Promise.all([b(), a()]);
  return [fromA, fromB];
}

/** An ACTIVE push key (activated by its owner) with one PENDING request. */
async function activeKeyWithRequest(name: string) {
  const key = await pushKey(server, 'alice', name);
  const activated = await first.request('PUT', `/v1/user/${first.userId}/credential-password-ip/${key.id}`, {
    status: 'ACTIVE',
  });
  expect(activated.status, activated.text).toBe(200);
  return { key, uuid: await pendingUuid(server, key.api_key) };
}

describe('two devices deciding the same request at the same instant', () => {
  it(`exactly one wins, ${RACES} times, and the row holds the winner's signed decision`, async () => {
    const winners = new Tally();
    const key = await pushKey(server, 'alice', 'race key');
    for (let race = 0; race < RACES; race++) {
      const uuid = await pendingUuid(server, key.api_key);
      // Both approve (a block would count towards locking the key): only who wins differs. Both calls are in flight
      // together; which one is sent first alternates, so that each device gets its chances to win.
      const replies = await together(
        () => first.decide(uuid, { decision: 'APPROVE' }),
        () => second.decide(uuid, { decision: 'APPROVE' }),
        race % 2 === 1,
      );
      expect(replies.map((r) => r.status).sort(), replies.map((r) => r.text).join(' | ')).toEqual([200, 409]);
      const loser = replies.find((r) => r.status === 409)!;
      expect(errorText(loser)).toBe(ErrorText.ALREADY_DECIDED);
      const winner = replies[0]!.status === 200 ? first : second;
      winners.add(winner === first ? 'first device' : 'second device');
      const row = await requestRow(uuid);
      expect(row).toMatchObject({ status: 'ACCEPTED', decision: 'APPROVE', decided_by_device_id: winner.id });
      expect(row.decision_signature).toBe(winner.signDecision(uuid, { decision: 'APPROVE' }));
      // The requester gets one token, once.
      const read = await readRequest(server, uuid, key.api_key);
      expect(pick(read, 'Token')).toBeDefined();
      const again = await readRequest(server, uuid, key.api_key);
      expect(again).toHaveLength(1);
      expect(again[0].SessionServerRequest.token_delivered).toBe(true);
    }
    const sessions = await query<{ n: number }>(
      server.db,
      'SELECT COUNT(*) AS n FROM sessions WHERE credential_id = ?',
      key.id,
    );
    expect(sessions[0]!.n).toBe(RACES);
    report('race-approve-approve', { races: RACES, winners: winners.toJSON(), sessions: sessions[0]!.n });
  });

  it(`block-and-deactivate against approve, ${RACES} times: ACTIVE+ACCEPTED or INACTIVE+REJECTED, never half`, async () => {
    const outcomes = new Tally();
    for (let race = 0; race < RACES; race++) {
      const { key, uuid } = await activeKeyWithRequest(`deactivate race ${race}`);
      // Alternate which device blocks and which decision is sent first, so that each side gets its chances to win.
      const blocker = race % 2 === 0 ? first : second;
      const approver = blocker === first ? second : first;
      const block = () => blocker.decide(uuid, { decision: 'BLOCK', deactivate_credential: true });
      const approve = () => approver.decide(uuid, { decision: 'APPROVE' });
      const [blocked, approved] = await together(block, approve, race % 4 >= 2);
      expect([blocked.status, approved.status].sort(), `${blocked.text} | ${approved.text}`).toEqual([200, 409]);
      const row = await requestRow(uuid);
      const status = await credentialStatus(key.id);
      if (blocked.status === 200) {
        outcomes.add('INACTIVE + REJECTED');
        expect({ credential: status, request: row.status, by: row.decided_by_device_id }).toEqual({
          credential: 'INACTIVE',
          request: 'REJECTED',
          by: blocker.id,
        });
        const read = await readRequest(server, uuid, key.api_key);
        expect(read).toHaveLength(1);
        expect(read[0].SessionServerRequest).toMatchObject({ status: 'REJECTED', token_delivered: false });
        expect(row.session_id).toBeNull();
        expect(await liveSessions(key.id)).toBe(0);
        expect((await attempt(server, key.api_key)).status).toBe(401);
      } else {
        outcomes.add('ACTIVE + ACCEPTED');
        expect({ credential: status, request: row.status, by: row.decided_by_device_id }).toEqual({
          credential: 'ACTIVE',
          request: 'ACCEPTED',
          by: approver.id,
        });
        const read = await readRequest(server, uuid, key.api_key);
        const token = pick(read, 'Token') as { token: string } | undefined;
        expect(token).toBeDefined();
        expect(await introspect(token!.token)).toBe(true);
        expect(await liveSessions(key.id)).toBe(1);
      }
    }
    report('race-deactivate-approve', { races: RACES, outcomes: outcomes.toJSON() });
  });

  it('block-and-deactivate of one request against approval of another request of the same key', async () => {
    const outcomes = new Tally();
    for (let race = 0; race < 40; race++) {
      const { key, uuid: blockedUuid } = await activeKeyWithRequest(`two-request race ${race}`);
      const approvedUuid = await pendingUuid(server, key.api_key);
      // The requester is long-polling: the approval wakes it at once, racing the deactivation for the token.
      const auth = { 'x-bunq-client-authentication': key.api_key };
      const longPoll = http(`${server.url}/v1/session-server-request/${approvedUuid}?wait=10`, { headers: auth });
      const block = () => first.decide(blockedUuid, { decision: 'BLOCK', deactivate_credential: true });
      const approve = () => second.decide(approvedUuid, { decision: 'APPROVE' });
      const [blocked, approved] = await together(block, approve, race % 2 === 1);
      expect(blocked.status, blocked.text).toBe(200);
      expect(await credentialStatus(key.id)).toBe('INACTIVE');
      // Whichever landed first, a deactivated key opens no session: the approval lost (409, rejected with the
      // key) or won, but its token is not handed out for a key that has since been deactivated.
      const polled = await longPoll;
      const tokenHandedOut =
        polled.status === 200 && pick((polled.json as { Response: unknown[] }).Response, 'Token') !== undefined;
      outcomes.add(
        approved.status !== 200 ? 'deactivation first' : tokenHandedOut ? 'approval and token first' : 'approval first',
      );
      // A token handed out before the deactivation belongs to a session that the deactivation ended.
      expect(await liveSessions(key.id)).toBe(0);
      const read = await http(`${server.url}/v1/session-server-request/${approvedUuid}`, { headers: auth });
      if (read.status === 200) expect(pick((read.json as { Response: unknown[] }).Response, 'Token')).toBeUndefined();
    }
    report('race-deactivate-other-request', { races: 40, outcomes: outcomes.toJSON() });
  });

  it('deactivating a key ends the sessions it opened: a deactivated key leaves nothing usable behind', async () => {
    const { key, uuid } = await activeKeyWithRequest('sessions end with the key');
    expect((await first.decide(uuid, { decision: 'APPROVE' })).status).toBe(200);
    const token = pick(await readRequest(server, uuid, key.api_key), 'Token') as { token: string };
    expect(await introspect(token.token)).toBe(true);
    const next = await pendingUuid(server, key.api_key);
    expect((await second.decide(next, { decision: 'BLOCK', deactivate_credential: true })).status).toBe(200);
    expect(await credentialStatus(key.id)).toBe('INACTIVE');
    expect(await introspect(token.token)).toBe(false);
    expect(await liveSessions(key.id)).toBe(0);
  });
});
