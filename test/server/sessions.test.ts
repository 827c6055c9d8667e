// Sessions as the consuming API sees them: introspection with the operator's secret, ending a session with its
// token, and the session lifetime.
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorText, IntrospectResult } from '../../protocol/index.js';
import { http } from '../support/server.js';
import { createKey, errorText, eventually, openedAttempt, pendingAttempt, type World, world } from './helpers.js';

let w: World;
afterEach(async () => w.close());

function introspect(token: string, authorization = `Bearer ${w.server.introspectionSecret}`) {
  return http(`${w.server.url}/v1/session-server/introspect`, {
    method: 'POST',
    headers: { authorization },
    body: { token },
  });
}

async function openSession() {
  const key = await createKey(w, 'ip-only', { ips: ['127.0.0.1'] });
  const opened = await openedAttempt(w.server, key.api_key);
  return { key, id: opened.Response[0].Id.id, token: opened.Response[1].Token.token };
}

describe('introspection', () => {
  it('describes a live session as RFC 7662 does, without the bunq envelope', async () => {
    w = await world({ sessionLifetimeSeconds: 3600 });
    const { key, id, token } = await openSession();
    const reply = await introspect(token);
    expect(reply.status).toBe(200);
    const result = IntrospectResult.parse(reply.json);
    expect(result).toMatchObject({
      active: true,
      session_id: id,
      user_id: w.user.id,
      credential_id: key.id,
      ip: '127.0.0.1',
    });
    if (!result.active) throw new Error('unreachable');
    expect(Date.parse(result.expires) - Date.parse(result.created)).toBe(3600_000);
  });

  it('says {active:false} for an unknown token', async () => {
    w = await world();
    const reply = await introspect('cst_unknown');
    expect(reply.json).toEqual({ active: false });
  });

  it('refuses a missing or wrong secret with 401', async () => {
    w = await world();
    const { token } = await openSession();
    for (const authorization of ['', 'Bearer wrong-secret', `Basic ${w.server.introspectionSecret}`]) {
      const reply = await introspect(token, authorization);
      expect(reply.status).toBe(401);
      expect(errorText(reply)).toBe(ErrorText.INTROSPECTION_AUTH);
    }
  });

  it('says {active:false} once the session lifetime has passed', async () => {
    w = await world({ sessionLifetimeSeconds: 1 });
    const { token } = await openSession();
    expect(IntrospectResult.parse((await introspect(token)).json).active).toBe(true);
    await eventually(async () => ((await introspect(token)).json as { active: boolean }).active === false || undefined);
  });
});

describe('ending a session', () => {
  it('ends it with its own token; introspection then says inactive', async () => {
    w = await world();
    const { id, token } = await openSession();
    const reply = await http(`${w.server.url}/v1/session-server/${id}`, {
      method: 'DELETE',
      headers: { 'x-bunq-client-authentication': token },
    });
    expect(reply.status, reply.text).toBe(200);
    expect(reply.json).toEqual({ Response: [] });
    expect((await introspect(token)).json).toEqual({ active: false });
  });

  it('refuses another session’s token, or none', async () => {
    w = await world();
    const one = await openSession();
    const two = await openSession();
    for (const headers of [{ 'x-bunq-client-authentication': two.token }, {} as Record<string, string>]) {
      const reply = await http(`${w.server.url}/v1/session-server/${one.id}`, { method: 'DELETE', headers });
      expect(reply.status).toBe(401);
      expect(errorText(reply)).toBe(ErrorText.SESSION_AUTH);
    }
    expect(IntrospectResult.parse((await introspect(one.token)).json).active).toBe(true);
  });
});

describe('a lock', () => {
  it("ends the key's open sessions, as deactivating does, and tells the owner how many", async () => {
    w = await world();
    // Opens at once from 127.0.0.1; asks the owner from any other address.
    const key = await createKey(w, 'push-unless-trusted', { ips: ['127.0.0.1'], name: 'exporter' });
    const tokens: string[] = [];
    for (let i = 0; i < 3; i += 1) tokens.push((await openedAttempt(w.server, key.api_key)).Response[1].Token.token);
    const otherKey = await openSession();
    for (let i = 0; i < 3; i += 1) {
      const pending = await pendingAttempt(w.server, key.api_key, { localAddress: '127.0.0.2' });
      expect((await w.device.decide(pending.uuid, { decision: 'BLOCK' })).status).toBe(200);
    }
    const locked = await w.stream.next('credential.locked');
    expect(locked).toEqual({
      type: 'credential.locked',
      credential: { id: key.id, name: 'exporter' },
      reason:
        'Locked after 3 blocked session requests within 10 minutes; 3 sessions ended. Set it ACTIVE again to unlock it.',
      sessions_ended: 3,
    });
    for (const token of tokens) expect((await introspect(token)).json).toEqual({ active: false });
    // Only that key's sessions.
    expect(IntrospectResult.parse((await introspect(otherKey.token)).json).active).toBe(true);
  });
});
