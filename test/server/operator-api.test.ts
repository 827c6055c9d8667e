// The operator API over real HTTP: every endpoint with the operator token; refused (401) without it, with a wrong
// one, and on a server with no token configured; bad input is a 4xx that changes nothing.
import { createHash } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CredentialCreated, OperatorUserCreated } from '../../protocol/index.js';
import { TestDevice } from '../support/device.js';
import { http, startTestServer, type TestServer } from '../support/server.js';
import { errorText, openedAttempt, pendingAttempt, snapshotDb } from './helpers.js';

const TOKEN = 'operator-token-0123456789abcdef0123456789';
let server: TestServer;

beforeEach(async () => {
  server = await startTestServer({ operatorToken: TOKEN });
});
afterEach(async () => {
  await server.close();
});

function op(method: string, path: string, body?: unknown, token: string | null = TOKEN) {
  return http(`${server.url}/v1/operator${path}`, {
    method,
    body,
    headers: token === null ? {} : { authorization: `Bearer ${token}` },
  });
}

async function ok(method: string, path: string, body?: unknown) {
  const reply = await op(method, path, body);
  expect(reply.status, `${method} ${path}: ${reply.text}`).toBe(200);
  return reply.json as Record<string, unknown>;
}

async function newUser(name = 'ext-42') {
  return OperatorUserCreated.parse(await ok('POST', '/user', { name })).Response[1].OperatorUser;
}

describe('operator API', () => {
  it('creates, lists and removes users; keys, pairing codes, devices and history', async () => {
    const user = await newUser();
    expect(user).toMatchObject({ name: 'ext-42', removed: null });
    expect((await ok('GET', '/user')).Response).toEqual([{ OperatorUser: user }]);

    // A key made here: its value once; then it works.
    const created = CredentialCreated.parse(
      await ok('POST', `/user/${user.id}/credential-password-ip`, {
        name: 'backend',
        mode: 'ip-only',
        ips: ['127.0.0.1'],
      }),
    );
    const key = created.Response[1].CredentialPasswordIp;
    expect(key.token_value).toMatch(/^csk_/);
    await openedAttempt(server, key.token_value!);

    // A key the provider issued, registered by its SHA-256: the value never sent, and it works.
    const issued = 'provider-issued-key-value-0123456789';
    const registered = CredentialCreated.parse(
      await ok('POST', `/user/${user.id}/credential-password-ip`, {
        name: 'imported',
        mode: 'ip-only',
        ips: ['127.0.0.1'],
        key_sha256: createHash('sha256').update(issued).digest('hex'),
      }),
    ).Response[1].CredentialPasswordIp;
    expect(registered.token_value).toBeNull();
    await openedAttempt(server, issued);
    const again = await op('POST', `/user/${user.id}/credential-password-ip`, {
      name: 'twice',
      mode: 'push',
      key_sha256: createHash('sha256').update(issued).digest('hex'),
    });
    expect(again.status).toBe(409);

    const keys = (await ok('GET', `/user/${user.id}/credential-password-ip`)).Response as {
      CredentialPasswordIp: { id: number; token_value: string | null }[];
    }[];
    expect(keys).toHaveLength(2);
    expect(
      keys.every(
        (k) =>
          (k as unknown as { CredentialPasswordIp: { token_value: null } }).CredentialPasswordIp.token_value === null,
      ),
    ).toBe(true);

    // Change the mode; deactivate.
    const changed = await ok('PUT', `/user/${user.id}/credential-password-ip/${key.id}`, { mode: 'push' });
    expect((changed.Response as { CredentialPasswordIp?: { mode: string } }[])[1]!.CredentialPasswordIp!.mode).toBe(
      'push',
    );
    await ok('PUT', `/user/${user.id}/credential-password-ip/${registered.id}`, { status: 'INACTIVE' });
    expect((await http(`${server.url}/v1/session-server`, { method: 'POST', body: { secret: issued } })).status).toBe(
      401,
    );

    // A pairing code, a device paired with it, listed and removed.
    const code = (await ok('POST', `/user/${user.id}/pairing-code`, { server: 'https://cs.example.com' })) as {
      code: string;
      pairing_url: string;
    };
    expect(code.pairing_url).toContain('server=https%3A%2F%2Fcs.example.com');
    const device = await TestDevice.pair(server.url, code.code, 'laptop');
    const devices = (await ok('GET', `/user/${user.id}/approver-device`)).Response as {
      ApproverDevice: { id: number };
    }[];
    expect(devices.map((d) => d.ApproverDevice.id)).toEqual([device.id]);

    // History shows the session requests.
    const pending = await pendingAttempt(server, key.token_value!);
    const history = (await ok('GET', `/user/${user.id}/session-server-request?count=10`)).Response as {
      SessionServerRequest: { uuid: string }[];
    }[];
    expect(
      history.map((h) => (h as unknown as { SessionServerRequest: { uuid: string } }).SessionServerRequest.uuid),
    ).toContain(pending.uuid);

    await ok('DELETE', `/user/${user.id}/approver-device/${device.id}`);
    expect((await op('DELETE', `/user/${user.id}/approver-device/${device.id}`)).status).toBe(404);

    // Removing the user: its keys stop working and its other devices go.
    const second = await TestDevice.pair(
      server.url,
      ((await ok('POST', `/user/${user.id}/pairing-code`)) as { code: string }).code,
      'desktop',
    );
    const removed = (await ok('DELETE', `/user/${user.id}`)).Response as unknown[];
    expect(removed[1]).toEqual({ OperatorUserRemoval: { keys_deactivated: 1, devices_removed: 1 } });
    expect(
      (await http(`${server.url}/v1/session-server`, { method: 'POST', body: { secret: key.token_value } })).status,
    ).toBe(401);
    expect((await second.request('GET', `/v1/user/${user.id}/approver-device`)).status).toBe(401);
    expect((await op('DELETE', `/user/${user.id}`)).status).toBe(404);
    expect((await op('POST', `/user/${user.id}/credential-password-ip`, { name: 'x', mode: 'push' })).status).toBe(404);
    expect((await op('POST', '/user', { name: 'ext-42' })).status).toBe(409);
    const listed = (await ok('GET', '/user')).Response as { OperatorUser: { removed: string | null } }[];
    expect(listed[0]!.OperatorUser.removed).not.toBeNull();
  });

  it('refuses every endpoint without the token or with a wrong one (401), before reading the input', async () => {
    const user = await newUser();
    const before = await snapshotDb(server);
    const calls: [string, string, unknown?][] = [
      ['POST', '/user', { name: 'x' }],
      ['GET', '/user'],
      ['DELETE', `/user/${user.id}`],
      ['POST', `/user/${user.id}/credential-password-ip`, { name: 'k', mode: 'push' }],
      ['GET', `/user/${user.id}/credential-password-ip`],
      ['PUT', `/user/${user.id}/credential-password-ip/1`, { mode: 'push' }],
      ['POST', `/user/${user.id}/pairing-code`],
      ['GET', `/user/${user.id}/approver-device`],
      ['DELETE', `/user/${user.id}/approver-device/1`],
      ['GET', `/user/${user.id}/session-server-request`],
      ['GET', '/user/not-a-number/approver-device'],
    ];
    for (const [method, path, body] of calls) {
      for (const token of [null, 'wrong-token-0123456789abcdef0123456789', `${TOKEN}x`]) {
        const reply = await op(method, path, body, token);
        expect(reply.status, `${method} ${path} with ${token}`).toBe(401);
        expect(errorText(reply)).toMatch(/Operator authentication failed/);
      }
    }
    const basic = await http(`${server.url}/v1/operator/user`, { headers: { authorization: `Basic ${TOKEN}` } });
    expect(basic.status).toBe(401);
    expect(await snapshotDb(server)).toBe(before);
  });

  it('answers bad input with a 4xx that names the field, and writes nothing', async () => {
    const user = await newUser();
    const before = await snapshotDb(server);
    const bad: [string, string, unknown, number, RegExp][] = [
      ['POST', '/user', { name: '' }, 400, /name/],
      ['POST', '/user', { name: 'a\u0000b' }, 400, /name/],
      ['POST', '/user', { name: 'y', extra: 1 }, 400, /extra/],
      ['POST', '/user', { name: 'ext-42' }, 409, /exists/],
      ['POST', `/user/${user.id}/credential-password-ip`, { name: 'k', mode: 'sometimes' }, 400, /mode/],
      [
        'POST',
        `/user/${user.id}/credential-password-ip`,
        { name: 'k', mode: 'push', key_sha256: 'ABC' },
        400,
        /key_sha256/,
      ],
      ['POST', `/user/${user.id}/credential-password-ip`, { name: 'k', mode: 'push', ips: ['300.1.1.1'] }, 400, /ips/],
      ['POST', '/user/999/credential-password-ip', { name: 'k', mode: 'push' }, 404, /./],
      ['PUT', `/user/${user.id}/credential-password-ip/999`, { mode: 'push' }, 404, /./],
      ['PUT', `/user/${user.id}/credential-password-ip/1`, {}, 400, /at least one/],
      ['POST', `/user/${user.id}/pairing-code`, { server: 'ftp://x' }, 400, /server/],
      ['GET', '/user/999/approver-device', undefined, 404, /./],
      ['DELETE', `/user/${user.id}/approver-device/999`, undefined, 404, /./],
      ['GET', `/user/${user.id}/session-server-request?count=0`, undefined, 400, /count/],
      ['DELETE', '/user/999', undefined, 404, /./],
    ];
    for (const [method, path, body, status, text] of bad) {
      const reply = await op(method, path, body);
      expect(reply.status, `${method} ${path} ${JSON.stringify(body)}: ${reply.text}`).toBe(status);
      expect(errorText(reply)).toMatch(text);
    }
    expect(await snapshotDb(server)).toBe(before);
  });

  it('is off (401) on a server started without an operator token', async () => {
    const plain = await startTestServer();
    try {
      const reply = await http(`${plain.url}/v1/operator/user`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(reply.status).toBe(401);
    } finally {
      await plain.close();
    }
  });
});
