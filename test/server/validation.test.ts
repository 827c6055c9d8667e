// Bad input gets a 4xx with a message that names the problem, in bunq's Error envelope, and changes nothing.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorEnvelope, ErrorText, Limits } from '../../protocol/index.js';
import { http } from '../support/server.js';
import { createKey, pendingAttempt, snapshotDb, type World, world } from './helpers.js';

let w: World;
beforeEach(async () => {
  w = await world();
});
afterEach(async () => w.close());

function expectError(reply: { status: number; json: unknown; text: string }, status: number, text: string | RegExp) {
  expect(reply.status, reply.text).toBe(status);
  const description = ErrorEnvelope.parse(reply.json).Error[0]!.error_description;
  if (typeof text === 'string') expect(description).toBe(text);
  else expect(description).toMatch(text);
}

describe('requester bodies', () => {
  const post = (body: unknown, headers: Record<string, string> = {}) =>
    http(`${w.server.url}/v1/session-server`, { method: 'POST', body, headers });

  it('refuses bad bodies with a message naming the field, and the database does not change', async () => {
    const key = await createKey(w, 'push');
    const before = await snapshotDb(w.server);
    const cases: [unknown, number, string | RegExp][] = [
      [{ secret: key.api_key, extra: 1 }, 400, 'body: unknown field "extra"'],
      [{ secret: 42 }, 400, /^secret: .*expected string/],
      [{}, 400, /^secret: /],
      [{ secret: key.api_key, description: 'x'.repeat(201) }, 400, 'description: must be at most 200 characters'],
      [
        { secret: key.api_key, description: 'fake\nApprove now' },
        400,
        'description: must not contain control characters',
      ],
      [[key.api_key], 400, /^body: .*expected object/],
      ['{"secret": ', 400, /^The body is not valid JSON/],
      ['{"secret":"a","__proto__":{"x":1}}', 400, /^The body is not valid JSON: the key "__proto__"/],
      ['null', 400, /^body: /],
    ];
    for (const [body, status, text] of cases) {
      const reply = await post(body, typeof body === 'string' ? { 'content-type': 'application/json' } : {});
      expectError(reply, status, text);
    }
    expect(await snapshotDb(w.server)).toBe(before);
  });

  it('refuses an oversize body with 413 and another content type with 415', async () => {
    const before = await snapshotDb(w.server);
    const big = await post({ secret: 'x', description: 'y'.repeat(Limits.MAX_BODY_BYTES) });
    expectError(big, 413, ErrorText.BODY_TOO_LARGE);
    const text = await post('secret=x', { 'content-type': 'application/x-www-form-urlencoded' });
    expectError(text, 415, /Content-Type: application\/json/);
    const plain = await post('{"secret":"x"}', { 'content-type': 'text/plain' });
    expectError(plain, 415, /Content-Type: application\/json/);
    expect(await snapshotDb(w.server)).toBe(before);
  });

  it('answers an unknown route or method with 404 in the Error envelope', async () => {
    expectError(await http(`${w.server.url}/v1/nothing-here`), 404, ErrorText.NOT_FOUND);
    expectError(await http(`${w.server.url}/v1/session-server`, { method: 'GET' }), 404, ErrorText.NOT_FOUND);
  });

  it('refuses a malformed uuid or id in the path with 400', async () => {
    const key = await createKey(w, 'push');
    const status = await http(`${w.server.url}/v1/session-server-request/not-a-uuid`, {
      headers: { 'x-bunq-client-authentication': key.api_key },
    });
    expectError(status, 400, /^uuid: /);
    const end = await http(`${w.server.url}/v1/session-server/abc`, { method: 'DELETE' });
    expectError(end, 400, 'id: must be a positive whole number');
  });

  it('echoes X-Bunq-Client-Request-Id on success and on error', async () => {
    const key = await createKey(w, 'push');
    const ok = await http(`${w.server.url}/v1/session-server`, {
      method: 'POST',
      body: { secret: key.api_key },
      headers: { 'x-bunq-client-request-id': 'req-1' },
    });
    expect(ok.status).toBe(202);
    expect(ok.headers['x-bunq-client-request-id']).toBe('req-1');
    const bad = await post({ nope: 1 }, { 'x-bunq-client-request-id': 'req-2' });
    expect(bad.headers['x-bunq-client-request-id']).toBe('req-2');
    const missing = await http(`${w.server.url}/nope`, { headers: { 'x-bunq-client-request-id': 'req-3' } });
    expect(missing.headers['x-bunq-client-request-id']).toBe('req-3');
  });
});

describe('device bodies', () => {
  it('refuses bad management and decision bodies with clear messages, and the database does not change', async () => {
    const key = await createKey(w, 'push');
    const pending = await pendingAttempt(w.server, key.api_key);
    const base = `/v1/user/${w.user.id}/credential-password-ip`;
    const before = await snapshotDb(w.server);
    const cases: [string, string, unknown, string | RegExp][] = [
      ['POST', base, { name: 'k', mode: 'sometimes' }, /^mode: /],
      ['POST', base, { name: '', mode: 'push' }, 'name: name must not be empty'],
      ['POST', base, { name: 'k', mode: 'push', ips: ['300.1.1.1'] }, /^ips\.0: must be an IPv4 or IPv6 address/],
      ['POST', base, { name: 'k', mode: 'push', token_value: 'mine' }, 'body: unknown field "token_value"'],
      ['PUT', `${base}/${key.id}`, {}, /give at least one of status, mode, name, number_matching/],
      ['PUT', `${base}/${key.id}`, { status: 'LOCKED' }, /^status: /],
      ['POST', `${base}/${key.id}/ip`, { ip: '10.0.0.0/8' }, /^ip: must be an IPv4 or IPv6 address/],
      [
        'POST',
        `/v1/session-server-request/${pending.uuid}/decision`,
        { decision: 'APPROVE', signature: 'short' },
        /^signature: must be a 64-byte Ed25519 signature/,
      ],
      [
        'POST',
        `/v1/session-server-request/${pending.uuid}/decision`,
        { decision: 'MAYBE', signature: 'A'.repeat(86) },
        /^decision: /,
      ],
      [
        'POST',
        `/v1/session-server-request/${pending.uuid}/decision`,
        { decision: 'APPROVE', deactivate_credential: true, signature: 'A'.repeat(86) },
        'body: deactivate_credential goes only with BLOCK',
      ],
      ['GET', `/v1/user/${w.user.id}/session-server-request?count=500`, undefined, 'count: count must be 1 to 200'],
      ['GET', `/v1/user/${w.user.id}/session-server-request?status=DONE`, undefined, /^status: /],
    ];
    for (const [method, path, body, text] of cases) {
      expectError(await w.device.request(method, path, body), 400, text);
    }
    expect(await snapshotDb(w.server)).toBe(before);
  });

  it('refuses a pairing body with a malformed code, naming the field', async () => {
    const reply = await http(`${w.server.url}/v1/approver-device`, {
      method: 'POST',
      body: { pairing_code: '1234', public_key: 'abc', name: 'x', platform: 'linux' },
    });
    expectError(reply, 400, /^pairing_code: is not a pairing code.*; public_key: must be the 32-byte/);
  });
});
