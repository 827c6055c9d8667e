// A token reply lost after the server committed the hand-out (a crash, a dropped connection) is not lost for good:
// a requester that bound its request to a claim (X-Countersign-Claim) collects a fresh token with the same claim
// for a short time, the old token stops working, and nobody without the claim can read or take anything.
import pg from 'pg';
import { afterEach, expect, it } from 'vitest';
import { ErrorText, SessionServerRequestRead } from '../../protocol/index.js';
import { openSession } from '../../client/index.js';
import { startReplyDropper } from '../support/reply-dropper.js';
import { startTwinPollRelay } from '../support/twin-poll-relay.js';
import { testStoreKind } from '../support/postgres.js';
import { http, type TestServerOptions } from '../support/server.js';
import { attempt, countRows, createKey, errorText, eventually, type World, world } from './helpers.js';

const CLAIM = 'claim-of-the-requester-0123456789';
const OTHER_CLAIM = 'claim-of-somebody-else-0123456789';

let w: World;
afterEach(async () => w.close());

async function setUp(options: TestServerOptions = {}) {
  w = await world(options);
  return createKey(w, 'push', { name: 'nightly' });
}

function read(server: string, uuid: string, apiKey: string, claim?: string, wait?: number) {
  return http(`${server}/v1/session-server-request/${uuid}${wait === undefined ? '' : `?wait=${wait}`}`, {
    headers: { 'x-bunq-client-authentication': apiKey, ...(claim ? { 'x-countersign-claim': claim } : {}) },
  });
}

function introspect(token: string) {
  return http(`${w.server.url}/v1/session-server/introspect`, {
    method: 'POST',
    headers: { authorization: `Bearer ${w.server.introspectionSecret}` },
    body: { token },
  });
}

const tokenOf = (json: unknown) =>
  (SessionServerRequestRead.parse(json).Response.find((item) => 'Token' in item) as { Token: { token: string } })?.Token
    .token;

/** A request approved while its long-poll runs through the relay, whose token reply the relay drops. */
async function approvedWithLostReply(apiKey: string, claim?: string) {
  const opened = await attempt(w.server, apiKey, { headers: claim ? { 'x-countersign-claim': claim } : {} });
  expect(opened.status, opened.text).toBe(202);
  const uuid = (opened.json as { Response: [{ SessionServerRequest: { uuid: string } }] }).Response[0]
    .SessionServerRequest.uuid;
  const relay = await startReplyDropper(w.server.url);
  relay.dropNextReplyContaining('"Token"');
  const poll = read(relay.url, uuid, apiKey, claim, 20).then(
    () => 'answered',
    () => 'connection lost',
  );
  await w.stream.next('approval.requested');
  await w.device.decide(uuid, { decision: 'APPROVE' });
  expect(await poll).toBe('connection lost');
  expect(relay.dropped()).toBe(1);
  await relay.close();
  return uuid;
}

it('hands a claimed request a fresh token after its token reply was lost; the lost one stops working', async () => {
  const key = await setUp();
  const uuid = await approvedWithLostReply(key.api_key, CLAIM);

  const again = await read(w.server.url, uuid, key.api_key, CLAIM);
  expect(again.status, again.text).toBe(200);
  const first = tokenOf(again.json)!;
  expect((await introspect(first)).json).toMatchObject({ active: true, credential_id: key.id });

  // Asked once more within the window: yet another token, and the one before it is no longer live.
  const third = await read(w.server.url, uuid, key.api_key, CLAIM);
  const second = tokenOf(third.json)!;
  expect(second).not.toBe(first);
  expect((await introspect(second)).json).toMatchObject({ active: true });
  expect((await introspect(first)).json).toEqual({ active: false });
  // Still one session for the one approval.
  expect(await countRows(w.server, 'sessions')).toBe(1);
});

it('gives nothing to a reader without the claim, or with another one', async () => {
  const key = await setUp();
  const uuid = await approvedWithLostReply(key.api_key, CLAIM);
  for (const claim of [undefined, OTHER_CLAIM]) {
    const reply = await read(w.server.url, uuid, key.api_key, claim);
    expect(reply.status).toBe(403);
    expect(errorText(reply)).toBe(ErrorText.CLAIM_MISMATCH);
  }
  // The claim's holder still can.
  expect(tokenOf((await read(w.server.url, uuid, key.api_key, CLAIM)).json)).toEqual(expect.any(String));
});

// The address is what the server saw; the claim is what the requester sent. A thief who has the key and the claim
// too must not collect a fresh token from elsewhere, least of all for a session that opened because the address was
// trusted.
it('hands a token out again only to the address the request came from', async () => {
  const key = await setUp();
  const uuid = await approvedWithLostReply(key.api_key, CLAIM);
  const elsewhere = await http(`${w.server.url}/v1/session-server-request/${uuid}`, {
    headers: { 'x-bunq-client-authentication': key.api_key, 'x-countersign-claim': CLAIM },
    localAddress: '127.0.0.2',
  });
  expect(elsewhere.status, elsewhere.text).toBe(403);
  expect(errorText(elsewhere)).toBe(ErrorText.REDELIVERY_ELSEWHERE);
  expect(await countRows(w.server, 'sessions')).toBe(1);
  // From the request's own address it still comes.
  expect(tokenOf((await read(w.server.url, uuid, key.api_key, CLAIM)).json)).toEqual(expect.any(String));
});

it('tells a read from another address what any read is told once the session has ended: no token, no 403', async () => {
  const key = await setUp({ sessionLifetimeSeconds: 1 });
  const uuid = await approvedWithLostReply(key.api_key, CLAIM);
  await new Promise((resolve) => setTimeout(resolve, 1_300));
  const elsewhere = await http(`${w.server.url}/v1/session-server-request/${uuid}`, {
    headers: { 'x-bunq-client-authentication': key.api_key, 'x-countersign-claim': CLAIM },
    localAddress: '127.0.0.2',
  });
  expect(elsewhere.status, elsewhere.text).toBe(200);
  expect(tokenOf(elsewhere.json)).toBeUndefined();
});

it('does not let a claimed repeat from an untrusted address renew a session a trusted address opened', async () => {
  w = await world();
  const key = await createKey(w, 'push-unless-trusted', { ips: ['127.0.0.1'] });
  const claimed = { headers: { 'x-countersign-claim': CLAIM, 'user-agent': 'nightly/1' } };
  const opened = await attempt(w.server, key.api_key, { ...claimed, localAddress: '127.0.0.1' });
  expect(opened.status, opened.text).toBe(200);
  const first = (opened.json as { Response: [unknown, { Token: { token: string } }] }).Response[1].Token.token;

  const elsewhere = await attempt(w.server, key.api_key, { ...claimed, localAddress: '127.0.0.2' });
  expect(elsewhere.status, elsewhere.text).toBe(403);
  expect(errorText(elsewhere)).toBe(ErrorText.REDELIVERY_ELSEWHERE);
  // Nothing changed: the token handed out stays live, no request is put before the owner, nothing new is made.
  expect((await introspect(first)).json).toMatchObject({ active: true });
  expect(await countRows(w.server, 'session_requests')).toBe(1);
  expect(await countRows(w.server, 'sessions')).toBe(1);

  // The trusted address that got the first reply still collects a fresh one.
  const again = await attempt(w.server, key.api_key, { ...claimed, localAddress: '127.0.0.1' });
  expect(again.status, again.text).toBe(202);
  expect(tokenOf(again.json)).toEqual(expect.any(String));
  expect((await introspect(first)).json).toEqual({ active: false });
});

// A read still waiting when the token went to another read of the same claim (a retry and the call it replaced,
// which the server cannot tell is dead) must not rotate the token the other one just got.
it('gives a token only once to two reads of one claim waiting together; a read after that gets it again', async () => {
  const key = await setUp();
  const opened = await attempt(w.server, key.api_key, { headers: { 'x-countersign-claim': CLAIM } });
  const uuid = (opened.json as { Response: [{ SessionServerRequest: { uuid: string } }] }).Response[0]
    .SessionServerRequest.uuid;
  const polls = [read(w.server.url, uuid, key.api_key, CLAIM, 20), read(w.server.url, uuid, key.api_key, CLAIM, 20)];
  await eventually(async () => (w.server.hubStats().waiters === 2 ? true : undefined));
  await w.stream.next('approval.requested');
  await w.device.decide(uuid, { decision: 'APPROVE' });
  const replies = await Promise.all(polls);
  const tokens = replies.map((reply) => tokenOf(reply.json)).filter((token) => token !== undefined);
  expect(tokens).toHaveLength(1);
  expect((await introspect(tokens[0]!)).json).toMatchObject({ active: true });
  for (const reply of replies) {
    expect(SessionServerRequestRead.parse(reply.json).Response[0].SessionServerRequest).toMatchObject({
      status: 'ACCEPTED',
      token_delivered: true,
    });
  }
  // A read made after the hand-out is one whose reply may have been lost: it gets a fresh token.
  const later = tokenOf((await read(w.server.url, uuid, key.api_key, CLAIM)).json);
  expect(later).toEqual(expect.any(String));
  expect((await introspect(tokens[0]!)).json).toEqual({ active: false });
});

// Two calls that both began after the hand-out (say, a read whose reply was lost again, and its retry): one of them
// hands the token out again, the other is told it went. Both are made to read the row before either can hand out:
// the key's row is held by a transaction of the test's own until both wait for it. PostgreSQL only: SQLite's
// driver is synchronous, so a held write lock there would stall the whole in-process test server; the rule is the
// same statement on both dialects (a conditional UPDATE of delivered_at).
it.runIf(testStoreKind() === 'postgres')(
  'hands a token out again to one of two calls begun after the hand-out, not both (PostgreSQL)',
  async () => {
    const key = await setUp();
    const uuid = await approvedWithLostReply(key.api_key, CLAIM);
    const holder = new pg.Client({ connectionString: w.server.db });
    await holder.connect();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT id FROM credentials WHERE id = $1 FOR UPDATE', [key.id]);
      const reads = [read(w.server.url, uuid, key.api_key, CLAIM), read(w.server.url, uuid, key.api_key, CLAIM)];
      await eventually(async () => {
        const [row] = (
          await holder.query(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE wait_event_type = 'Lock' AND datname = current_database()",
          )
        ).rows;
        return row.n === 2 ? true : undefined;
      });
      await holder.query('COMMIT');
      const replies = await Promise.all(reads);
      const tokens = replies.map((reply) => tokenOf(reply.json)).filter((token) => token !== undefined);
      expect(tokens).toHaveLength(1);
      expect((await introspect(tokens[0]!)).json).toMatchObject({ active: true });
    } finally {
      await holder.end();
    }
  },
);

it('stops re-delivering once the window has passed', async () => {
  const key = await setUp({ tokenRedeliverySeconds: 1 });
  const uuid = await approvedWithLostReply(key.api_key, CLAIM);
  await new Promise((resolve) => setTimeout(resolve, 1_300));
  const late = await read(w.server.url, uuid, key.api_key, CLAIM);
  expect(late.status).toBe(200);
  expect(tokenOf(late.json)).toBeUndefined();
  expect(late.json).toMatchObject({
    Response: [{ SessionServerRequest: { status: 'ACCEPTED', token_delivered: true } }],
  });
});

it('keeps the old rule for an unclaimed request: a lost token reply is lost', async () => {
  const key = await setUp();
  const uuid = await approvedWithLostReply(key.api_key);
  const again = await read(w.server.url, uuid, key.api_key);
  expect(tokenOf(again.json)).toBeUndefined();
  expect(again.json).toMatchObject({ Response: [{ SessionServerRequest: { token_delivered: true } }] });
});

it('refuses a malformed claim with 400 and creates no request', async () => {
  const key = await setUp();
  for (const claim of ['short', 'has spaces in it 0123456789', 'x'.repeat(129)]) {
    const reply = await attempt(w.server, key.api_key, { headers: { 'x-countersign-claim': claim } });
    expect(reply.status).toBe(400);
    expect(errorText(reply)).toBe(ErrorText.CLAIM_INVALID);
  }
  expect(await countRows(w.server, 'session_requests')).toBe(0);
});

// The library's POST waits a moment for the decision, so a quick approval's token comes in the POST's reply: lost,
// the POST is sent again with its claim, and the server answers it with the same request and a fresh token.
it('lets the requester library finish with a working token when the token reply is lost', async () => {
  const key = await setUp();
  const relay = await startReplyDropper(w.server.url);
  relay.dropNextReplyContaining('"Token"');
  const session = openSession({ server: relay.url, apiKey: key.api_key, description: 'lost reply' });
  const asked = await w.stream.next('approval.requested');
  await w.device.decide(asked.request.uuid, { decision: 'APPROVE' });
  const outcome = await session;
  await relay.close();
  expect(relay.dropped()).toBe(1);
  expect(outcome.status).toBe('ACCEPTED');
  const token = (outcome as { token: string }).token;
  expect((await introspect(token)).json).toMatchObject({ active: true, credential_id: key.id });
  // The owner was asked once, and one session was opened.
  expect(await countRows(w.server, 'session_requests')).toBe(1);
  expect(await countRows(w.server, 'sessions')).toBe(1);
});

// The library's status read waits beside a twin of itself that nobody reads (its earlier call, as the server sees
// it), registered before it or after it. Whichever of the two takes the token, the library ends with a live one: a
// call that was waiting when the token went out is not given a fresh one (which would stop the library's), and the
// library, told "already handed out" because its twin took it, reads once more and gets a fresh one — sent again
// when that read gets a 502.
it('lets the requester library finish with a live token when an unread call of its claim waits beside it', async () => {
  const key = await setUp();
  const relay = await startTwinPollRelay(w.server.url);
  const waiters = (n: number) => eventually(async () => (w.server.hubStats().waiters === n ? true : undefined));
  const winners: string[] = [];
  try {
    for (const first of ['twin', 'call', 'twin', 'call'] as const) {
      relay.twinNextStatusRead();
      const session = openSession({ server: relay.url, apiKey: key.api_key, description: `${first} first` });
      // Should the library fail before its status read, say so rather than wait for a read that never comes.
      const endedEarly = session.then(() => {
        throw new Error('openSession ended before its status read was held');
      });
      const asked = await Promise.race([w.stream.next('approval.requested'), endedEarly]);
      const held = await Promise.race([relay.heldStatusRead(), endedEarly]);
      endedEarly.catch(() => undefined);
      held.release(first);
      await waiters(1);
      held.release(first === 'twin' ? 'call' : 'twin');
      await waiters(2);
      const twinsBefore = relay.twinReplies().length;
      const failedBefore = relay.failedReads();
      // The library's read once more, when its twin took the token, first meets a 502.
      relay.failNextStatusRead();
      await w.device.decide(asked.request.uuid, { decision: 'APPROVE' });
      const outcome = await session;
      expect(outcome.status).toBe('ACCEPTED');
      const token = (outcome as { token: string }).token;
      expect((await introspect(token)).json).toMatchObject({ active: true, credential_id: key.id });
      await eventually(async () => (relay.twinReplies().length === twinsBefore + 1 ? true : undefined));
      const twinWon = relay.twinReplies().at(-1)!.includes('"Token"');
      winners.push(twinWon ? 'twin' : 'call');
      // The read once more happened exactly when the twin had the token, and it got past the 502.
      expect(relay.failedReads() - failedBefore).toBe(twinWon ? 1 : 0);
      if (!twinWon) relay.failNextStatusRead(false);
    }
  } finally {
    await relay.close();
  }
  // Both orders were exercised.
  expect(new Set(winners)).toEqual(new Set(['twin', 'call']));
  // One session per approval.
  expect(await countRows(w.server, 'sessions')).toBe(4);
});
