// Signed webhooks with a real receiver on loopback: every event type the server makes arrives, signed so that
// standardwebhooks' Webhook.verify accepts it, with ids and facts and never a secret; a receiver that fails, hangs,
// redirects or answers a huge body is retried and never slows an approval.
import { Webhook } from 'standardwebhooks';
import { afterEach, describe, expect, it } from 'vitest';
import { WebhookEventType } from '../../protocol/index.js';
import { http } from '../support/server.js';
import { newWebhookSecret, WebhookReceiver } from '../support/webhook-receiver.js';
import {
  attempt,
  countRows,
  createKey,
  eventually,
  openedAttempt,
  pendingAttempt,
  queryDb,
  readStatusOk,
  type World,
  world,
} from './helpers.js';
import { TestDevice } from '../support/device.js';

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function hooked(options: { requestLifetimeSeconds?: number; timeoutMs?: number } = {}) {
  const secret = newWebhookSecret();
  const receiver = await WebhookReceiver.start(secret);
  cleanup.push(() => receiver.close());
  const w = await world({
    requestLifetimeSeconds: options.requestLifetimeSeconds,
    webhooks: { urls: [receiver.url], secret, ...(options.timeoutMs ? { timeoutMs: options.timeoutMs } : {}) },
  });
  cleanup.push(() => w.close());
  return { w, receiver, secret };
}

/** The Token of a status read that handed one out. */
function tokenOf(read: { Response: unknown[] }): { id: number; token: string } {
  const token = (read.Response[2] as { Token?: { id: number; token: string } } | undefined)?.Token;
  if (!token) throw new Error(`no token in ${JSON.stringify(read)}`);
  return token;
}

async function decide(w: World, uuid: string, decision: 'APPROVE' | 'BLOCK', deactivate = false) {
  const reply = await w.device.decide(uuid, { decision, ...(deactivate ? { deactivate_credential: true } : {}) });
  expect(reply.status, reply.text).toBe(200);
}

describe('signed webhooks', () => {
  it('records no event at all on a server with no receiver (it would only be pruned unread)', async () => {
    const w = await world();
    cleanup.push(() => w.close());
    const key = await createKey(w, 'push', { numberMatching: false });
    const pending = await pendingAttempt(w.server, key.api_key);
    await decide(w, pending.uuid, 'APPROVE');
    await readStatusOk(w.server, pending.uuid, key.api_key);
    expect(await countRows(w.server, 'session_requests')).toBe(1);
    // Only the key's own creation is there: countersign-admin, a process of its own, records its events anyway.
    const types = await queryDb<{ type: string }>(w.server, 'SELECT type FROM webhook_outbox');
    expect(types.map((row) => row.type)).toEqual(['key.created']);
  });

  it('delivers every event type, signed (Webhook.verify), with ids and facts and no secret', async () => {
    const { w, receiver, secret } = await hooked({ requestLifetimeSeconds: 3 });
    const secrets: string[] = [];

    // A request left alone until it expires (made first: it expires while the rest runs).
    const expiring = await createKey(w, 'push', { name: 'expiring' });
    secrets.push(expiring.api_key);
    const expiringRequest = await pendingAttempt(w.server, expiring.api_key);

    // Approved, its token read (session opened), the session closed by its holder.
    const push = await createKey(w, 'push');
    secrets.push(push.api_key);
    const approved = await pendingAttempt(w.server, push.api_key);
    await decide(w, approved.uuid, 'APPROVE');
    const read = await readStatusOk(w.server, approved.uuid, push.api_key);
    const { token, id: sessionId } = tokenOf(read);
    secrets.push(token);
    const closed = await http(`${w.server.url}/v1/session-server/${sessionId}`, {
      method: 'DELETE',
      headers: { 'x-bunq-client-authentication': token },
    });
    expect(closed.status, closed.text).toBe(200);

    // Refused by the owner.
    const rejected = await pendingAttempt(w.server, push.api_key);
    await decide(w, rejected.uuid, 'BLOCK');

    // Opened at once from a trusted IP, then the key deactivated by a BLOCK: its open session ends.
    const trusted = await createKey(w, 'push-unless-trusted', { ips: ['127.0.0.1'], name: 'trusted' });
    secrets.push(trusted.api_key);
    const auto = await openedAttempt(w.server, trusted.api_key);
    secrets.push(auto.Response[1].Token.token);
    const blocked = await pendingAttempt(w.server, trusted.api_key, { localAddress: '127.0.0.2' });
    await decide(w, blocked.uuid, 'BLOCK', true);

    // Three blocks lock a key.
    const locking = await createKey(w, 'push', { name: 'locking' });
    secrets.push(locking.api_key);
    for (let i = 0; i < 3; i += 1) {
      const request = await pendingAttempt(w.server, locking.api_key);
      await decide(w, request.uuid, 'BLOCK');
    }

    // A second device paired and removed by the first.
    const issued = await w.device.request('POST', `/v1/user/${w.user.id}/pairing-code`);
    expect(issued.status, issued.text).toBe(200);
    const { code } = issued.json as { code: string };
    secrets.push(code);
    const second = await TestDevice.pair(w.server.url, code, 'second');
    const removed = await w.device.request('DELETE', `/v1/user/${w.user.id}/approver-device/${second.id}`);
    expect(removed.status, removed.text).toBe(200);

    // A grant pre-authorised by the device, used by one session, then revoked.
    const granted = await createKey(w, 'push', { name: 'granted' });
    secrets.push(granted.api_key);
    const grantsPath = `/v1/user/${w.user.id}/credential-password-ip/${granted.id}/grant`;
    const made1 = await w.device.request('POST', grantsPath, { scope: 'anywhere', max_uses: 2 });
    expect(made1.status, made1.text).toBe(200);
    const grantId = (made1.json as { Response: [{ Id: { id: number } }] }).Response[0].Id.id;
    secrets.push((await openedAttempt(w.server, granted.api_key)).Response[1].Token.token);
    const revoked = await w.device.request('DELETE', `${grantsPath}/${grantId}`);
    expect(revoked.status, revoked.text).toBe(200);

    const made = WebhookEventType.options;
    await eventually(async () => {
      const types = new Set(receiver.accepted().map((d) => d.parsed.type));
      return made.every((type) => types.has(type)) && receiver.ofType('session_request.expired').length > 0
        ? true
        : undefined;
    }, 15_000);

    for (const delivery of receiver.deliveries) {
      expect(delivery.verified, delivery.body).toBe(true);
      // The receiver's own check, as the README shows it: verify returns the parsed body.
      const verified = new Webhook(secret).verify(delivery.body, {
        'webhook-id': delivery.id,
        'webhook-timestamp': delivery.timestamp,
        'webhook-signature': delivery.signature,
      });
      expect(verified).toEqual(JSON.parse(delivery.body));
      expect(delivery.id).toMatch(/^evt_[0-9a-f-]{36}$/);
      for (const value of secrets) expect(delivery.body).not.toContain(value);
    }
    // A forged signature does not verify.
    const one = receiver.accepted()[0]!;
    expect(() =>
      new Webhook(newWebhookSecret()).verify(one.body, {
        'webhook-id': one.id,
        'webhook-timestamp': one.timestamp,
        'webhook-signature': one.signature,
      }),
    ).toThrow();

    const facts = (type: string) => receiver.ofType(type).map((d) => d.parsed.data);
    expect(facts('session_request.expired')).toContainEqual(
      expect.objectContaining({ request_uuid: expiringRequest.uuid, credential_id: expiring.id, user_id: w.user.id }),
    );
    expect(facts('session_request.accepted')).toContainEqual(
      expect.objectContaining({ request_uuid: approved.uuid, device_id: w.device.id, decision: 'APPROVE' }),
    );
    expect(facts('session_request.rejected')).toContainEqual(
      expect.objectContaining({ request_uuid: rejected.uuid, decision: 'BLOCK', reason: 'refused' }),
    );
    expect(facts('session.opened')).toContainEqual(
      expect.objectContaining({ session_id: sessionId, request_uuid: approved.uuid, auto_accepted: false }),
    );
    expect(facts('session.opened')).toContainEqual(
      expect.objectContaining({ session_id: auto.Response[0].Id.id, auto_accepted: true }),
    );
    expect(facts('session.ended')).toContainEqual({
      session_id: sessionId,
      credential_id: push.id,
      user_id: w.user.id,
      reason: 'closed',
    });
    expect(facts('session.ended')).toContainEqual({
      session_id: auto.Response[0].Id.id,
      credential_id: trusted.id,
      user_id: w.user.id,
      reason: 'key_deactivated',
    });
    expect(facts('key.deactivated')).toEqual([{ credential_id: trusted.id, user_id: w.user.id, sessions_ended: 1 }]);
    expect(facts('key.locked')).toEqual([
      expect.objectContaining({ credential_id: locking.id, user_id: w.user.id, sessions_ended: 0 }),
    ]);
    expect(facts('key.created').map((d) => d.credential_id)).toEqual(
      expect.arrayContaining([expiring.id, push.id, trusted.id, locking.id]),
    );
    expect(facts('device.paired').map((d) => d.device_id)).toEqual([w.device.id, second.id]);
    expect(facts('device.paired')[1]).toMatchObject({ invited_by_device_id: w.device.id, platform: 'linux' });
    expect(facts('device.removed')).toEqual([
      { device_id: second.id, user_id: w.user.id, removed_by_device_id: w.device.id },
    ]);
    // Every delivered row is marked so; nothing left to send.
    await eventually(async () =>
      (await countRows(w.server, 'webhook_outbox', 'delivered_at IS NULL')) === 0 ? true : undefined,
    );
  });

  it('retries a receiver that fails, redirects or answers a huge body, with the same event id, until 2xx', async () => {
    const { w, receiver } = await hooked();
    for (const mode of ['fail', 'redirect', 'huge'] as const) {
      receiver.mode = mode;
      const before = receiver.deliveries.length;
      const key = await createKey(w, 'ip-only', { ips: ['127.0.0.1'], name: `key while ${mode}` });
      // Two attempts at this key's event (other events may be in flight too), and the first one's error recorded.
      const ofKey = () => receiver.deliveries.slice(before).filter((d) => d.parsed.data.credential_id === key.id);
      await eventually(async () => (ofKey().length >= 2 ? true : undefined));
      const tries = ofKey();
      expect(new Set(tries.map((d) => d.id)).size, `${mode}: one event id on every attempt`).toBe(1);
      const row = await eventually(async () => {
        const [found] = await queryDb<{ last_errors: string; delivered_at: number | null }>(
          w.server,
          'SELECT last_errors, delivered_at FROM webhook_outbox WHERE event_id = ?',
          tries[0]!.id,
        );
        return found && receiver.url in JSON.parse(found.last_errors) ? found : undefined;
      });
      expect(row.delivered_at).toBeNull();
      const error = (JSON.parse(row.last_errors) as Record<string, { error: string }>)[receiver.url]!.error;
      expect(error).toMatch(mode === 'redirect' ? /HTTP 307: redirects are not followed/ : /HTTP 500/);
      receiver.mode = 'ok';
      await eventually(async () => (receiver.accepted().some((d) => d.id === tries[0]!.id) ? true : undefined));
    }
    // A redirect is not followed: its target was never asked.
    expect(receiver.deliveries.map((d) => d.path)).not.toContain('/hooks/elsewhere');
  });

  it('a hanging receiver does not hold up an approval', async () => {
    const { w, receiver } = await hooked({ timeoutMs: 60_000 });
    receiver.mode = 'hang';
    const key = await createKey(w, 'push');
    await eventually(async () => (receiver.deliveries.length >= 1 ? true : undefined));
    // Every delivery slot busy with hanging attempts: more events than the worker's concurrency.
    for (let i = 0; i < 10; i += 1) await createKey(w, 'ip-only', { ips: ['127.0.0.1'], name: `k${i}` });
    const request = await pendingAttempt(w.server, key.api_key);
    await decide(w, request.uuid, 'APPROVE');
    const read = await readStatusOk(w.server, request.uuid, key.api_key);
    expect(read.Response[0].SessionServerRequest.status).toBe('ACCEPTED');
    expect(tokenOf(read).token).toMatch(/.+/);
    // And the attempts really are hanging, not done. (The pairing of the test's device happened before the receiver
    // began to hang, so its device.paired may have got through.)
    expect(receiver.accepted().filter((d) => d.parsed.type !== 'device.paired')).toHaveLength(0);
    const opened = await attempt(w.server, key.api_key);
    expect(opened.status).toBe(202);
  });
});
