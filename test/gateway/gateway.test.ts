// countersign-gateway in front of a real upstream that is not ours (Debian's nginx, which answers 200 only when
// the injected secret is right): the script holds only a Countersign session, the gateway holds the secret.
import { createHash } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GatewayErrorText } from '../../protocol/gateway.js';
import {
  createKey,
  errorText,
  openedAttempt,
  pendingAttempt,
  readStatusOk,
  type World,
  world,
} from '../server/helpers.js';
import { type HttpReply, readReply } from '../support/http-reply.js';
import { http, tempDir } from '../support/server.js';
import {
  type GatewayScene,
  newUpstreamSecret,
  SESSION_HEADER,
  sealWithCli,
  startScene,
  upstreamCallsSince,
} from './support/fixture.js';
import { freePort, type Nginx, nginxMissing, startNginx } from './support/nginx.js';

const missing = nginxMissing();
const SESSION_LIFETIME_SECONDS = 5;
const MAX_BODY_BYTES = 1024 * 1024;

/** A PUT whose body goes out in pieces with Transfer-Encoding: chunked (no Content-Length). */
function streamedPut(url: string, token: string, body: Buffer, pieces: number): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: 'PUT', headers: { [SESSION_HEADER]: token }, agent: false }, (res) =>
      readReply(res, resolve, reject),
    );
    req.on('error', reject);
    const size = Math.ceil(body.length / pieces);
    for (let at = 0; at < body.length; at += size) req.write(body.subarray(at, at + size));
    req.end();
  });
}

let w: World;
let nginx: Nginx;
let scene: GatewayScene;
let dir: Awaited<ReturnType<typeof tempDir>>;
const secret = newUpstreamSecret();
const tokensSeen: string[] = [];
let keys: Record<'push' | 'ip' | 'foreign' | 'deactivate', { id: number; api_key: string }>;

async function ipSession(key: { api_key: string }) {
  const opened = await openedAttempt(w.server, key.api_key);
  const token = opened.Response[1].Token.token;
  tokensSeen.push(token);
  return { id: opened.Response[0].Id.id, token };
}

async function approvedPushSession(key: { api_key: string }) {
  const pending = await pendingAttempt(w.server, key.api_key, { description: 'nightly export' });
  const decided = await w.device.decide(pending.uuid, { decision: 'APPROVE' });
  expect(decided.status, decided.text).toBe(200);
  const read = await readStatusOk(w.server, pending.uuid, key.api_key);
  const token = (read.Response as unknown as [unknown, unknown, { Token: { token: string } }])[2].Token.token;
  tokensSeen.push(token);
  return token;
}

/** Refused by the gateway itself: 401 in the bunq envelope, and nginx never saw the request. */
async function expectRefusedUnseen(path: string, token: string | undefined) {
  const before = (await nginx.accessLog()).length;
  const reply = await scene.call(path, token);
  expect(reply.status, reply.text).toBe(401);
  expect(reply.json).toEqual({
    Error: [
      {
        error_description: GatewayErrorText.SESSION_REQUIRED,
        error_description_translated: GatewayErrorText.SESSION_REQUIRED,
      },
    ],
  });
  expect(await upstreamCallsSince(nginx, before)).toEqual([]);
}

describe.skipIf(missing !== null)(`countersign-gateway before nginx${missing ? ` (skipped: ${missing})` : ''}`, () => {
  beforeAll(async () => {
    dir = await tempDir('countersign-gateway-test-');
    w = await world({ sessionLifetimeSeconds: SESSION_LIFETIME_SECONDS });
    nginx = await startNginx({ dir: join(dir.path, 'nginx'), secret, tls: true, bigFileBytes: 8 * 1024 * 1024 });
    keys = {
      push: await createKey(w, 'push', { name: 'export-bot' }),
      ip: await createKey(w, 'ip-only', { ips: ['127.0.0.1'], name: 'cron' }),
      foreign: await createKey(w, 'ip-only', { ips: ['127.0.0.1'], name: 'other-service' }),
      deactivate: await createKey(w, 'ip-only', { ips: ['127.0.0.1'], name: 'to-deactivate' }),
    };
    const sealKeyFile = join(dir.path, 'seal.key');
    const bound = [keys.push.id, keys.ip.id, keys.deactivate.id];
    const header = { header: 'Authorization', value: 'Bearer {secret}' };
    await writeFile(join(dir.path, 'upstream.secret'), `${secret}\n`);
    scene = await startScene({
      dir: dir.path,
      serverUrl: w.server.url,
      introspectionSecret: w.server.introspectionSecret,
      sealKeyFile: 'seal.key',
      maxBodyBytes: MAX_BODY_BYTES,
      upstreams: [
        {
          name: 'api',
          prefix: '/api',
          url: `${nginx.url}/hdr`,
          keys: bound,
          inject: header,
          secret: { file: 'upstream.secret' },
        },
        {
          name: 'by-query',
          prefix: '/q',
          url: `${nginx.url}/qry`,
          keys: bound,
          inject: { query: 'api_key' },
          secret: { sealed: await sealWithCli(sealKeyFile, 'by-query', secret) },
        },
        {
          name: 'store',
          prefix: '/store-api',
          url: `${nginx.url}/store`,
          keys: bound,
          inject: header,
          secret: { file: 'upstream.secret' },
        },
        {
          name: 'files',
          prefix: '/files',
          url: `${nginx.url}/big`,
          keys: bound,
          inject: header,
          secret: { file: 'upstream.secret' },
        },
        {
          name: 'limited',
          prefix: '/limited',
          url: `${nginx.url}/hdr`,
          keys: bound,
          inject: header,
          secret: { file: 'upstream.secret' },
          limits: { methods: ['GET'], path_prefixes: ['/ok'], requests_per_minute: 3 },
        },
        {
          name: 'down',
          prefix: '/down',
          url: `http://127.0.0.1:${await freePort()}`,
          keys: bound,
          inject: header,
          secret: { file: 'upstream.secret' },
        },
        {
          name: 'self-signed',
          prefix: '/tls',
          url: `${nginx.tlsUrl}/hdr`,
          keys: bound,
          inject: header,
          secret: { file: 'upstream.secret' },
        },
      ],
    });
  });

  afterAll(async () => {
    await scene?.close();
    await nginx?.stop();
    await w?.close();
    await dir?.remove();
  });

  it('nginx itself refuses a request without the secret (the upstream really checks)', async () => {
    expect((await http(`${nginx.url}/hdr/x`)).status).toBe(401);
    expect((await http(`${nginx.url}/hdr/x`, { headers: { authorization: `Bearer ${secret}` } })).status).toBe(200);
  });

  it('forwards a push-approved session with the secret injected and the session token stripped', async () => {
    const token = await approvedPushSession(keys.push);
    const before = (await nginx.accessLog()).length;
    const reply = await scene.call('/api/accounts/42?expand=1', token);
    expect(reply.status, reply.text).toBe(200);
    expect(reply.text).toBe('upstream ok path=/hdr/accounts/42 token=[]\n');
    expect(await upstreamCallsSince(nginx, before)).toEqual([
      expect.stringMatching(/^GET \/hdr\/accounts\/42 200 \d+ token=\[-\]$/),
    ]);
  });

  it('injects the secret as a query parameter, replacing one the script sent (sealed secret in the config)', async () => {
    const { token } = await ipSession(keys.ip);
    const reply = await scene.call('/q/search?api_key=guess&term=x', token);
    expect(reply.status, reply.text).toBe(200);
    expect(reply.text).toBe('upstream ok path=/qry/search token=[]\n');
  });

  it('streams a request body through, with or without Content-Length', async () => {
    const { token } = await ipSession(keys.ip);
    const body = Buffer.alloc(700_000, 'upload-bytes;');
    const sized = await scene.call('/store-api/sized.bin', token, { method: 'PUT', body: body.toString() });
    expect(sized.status, sized.text).toBe(201);
    const chunked = await streamedPut(`${scene.gateway.url}/store-api/chunked.bin`, token, body, 7);
    expect(chunked.status, chunked.text).toBe(201);
    for (const name of ['sized.bin', 'chunked.bin']) {
      expect((await readFile(join(dir.path, 'nginx', 'www', 'store', name))).equals(body)).toBe(true);
    }
  });

  it('refuses a body over max_body_bytes with 413: declared ones before the upstream is called', async () => {
    const { token } = await ipSession(keys.ip);
    const body = Buffer.alloc(MAX_BODY_BYTES + 1, 'a');
    const before = (await nginx.accessLog()).length;
    const declared = await scene.call('/store-api/too-big.bin', token, { method: 'PUT', body: body.toString() });
    expect([declared.status, errorText(declared)]).toEqual([413, GatewayErrorText.BODY_TOO_LARGE]);
    expect(await upstreamCallsSince(nginx, before)).toEqual([]);
    const streamed = await streamedPut(`${scene.gateway.url}/store-api/too-big-chunked.bin`, token, body, 16);
    expect([streamed.status, errorText(streamed)]).toEqual([413, GatewayErrorText.BODY_TOO_LARGE]);
  });

  it('streams a large response back unchanged', async () => {
    const { token } = await ipSession(keys.ip);
    const reply = await scene.call('/files/file.bin', token);
    expect(reply.status).toBe(200);
    const file = await readFile(join(dir.path, 'nginx', 'www', 'big', 'file.bin'), 'utf8');
    expect(reply.text.length).toBe(nginx.bigFileBytes);
    expect(createHash('sha256').update(reply.text).digest('hex')).toBe(createHash('sha256').update(file).digest('hex'));
  });

  it('refuses a request without a session token, or with one the server does not know, unforwarded', async () => {
    await expectRefusedUnseen('/api/accounts', undefined);
    await expectRefusedUnseen('/api/accounts', 'cst_not-a-session-token');
    await expectRefusedUnseen('/api/accounts', 'x'.repeat(600));
  });

  it('refuses a live session of a key this upstream is not bound to', async () => {
    const { token } = await ipSession(keys.foreign);
    await expectRefusedUnseen('/api/accounts', token);
  });

  it('refuses the very next request once the session has ended', async () => {
    const { id, token } = await ipSession(keys.ip);
    expect((await scene.call('/api/before-end', token)).status).toBe(200);
    const ended = await http(`${w.server.url}/v1/session-server/${id}`, {
      method: 'DELETE',
      headers: { [SESSION_HEADER]: token },
    });
    expect(ended.status, ended.text).toBe(200);
    await expectRefusedUnseen('/api/after-end', token);
  });

  it('refuses the very next request once the session key is deactivated', async () => {
    const { token } = await ipSession(keys.deactivate);
    expect((await scene.call('/api/before', token)).status).toBe(200);
    const put = await w.device.request('PUT', `/v1/user/${w.user.id}/credential-password-ip/${keys.deactivate.id}`, {
      status: 'INACTIVE',
    });
    expect(put.status, put.text).toBe(200);
    await expectRefusedUnseen('/api/after', token);
  });

  it('refuses an expired session', async () => {
    const { token } = await ipSession(keys.ip);
    expect((await scene.call('/api/fresh', token)).status).toBe(200);
    await new Promise((r) => setTimeout(r, SESSION_LIFETIME_SECONDS * 1000 + 200));
    await expectRefusedUnseen('/api/stale', token);
  });

  it('answers 502 naming the upstream when it is down', async () => {
    const { token } = await ipSession(keys.ip);
    const reply = await scene.call('/down/anything', token);
    expect(reply.status, reply.text).toBe(502);
    expect(errorText(reply)).toBe('The upstream "down" cannot be reached: connection refused.');
  });

  it('checks the upstream TLS certificate: a self-signed one gets 502, the secret is not sent', async () => {
    const { token } = await ipSession(keys.ip);
    const before = (await nginx.accessLog()).length;
    const reply = await scene.call('/tls/x', token);
    expect(reply.status, reply.text).toBe(502);
    expect(errorText(reply)).toMatch(
      /^The upstream "self-signed" cannot be reached: its TLS certificate is not trusted/,
    );
    expect(await upstreamCallsSince(nginx, before)).toEqual([]);
  });

  it('applies per-session limits: methods, path prefixes and requests per minute', async () => {
    const { token } = await ipSession(keys.ip);
    const before = (await nginx.accessLog()).length;
    const post = await scene.call('/limited/ok', token, { method: 'POST', body: '{}' });
    expect([post.status, errorText(post)]).toEqual([403, GatewayErrorText.METHOD_NOT_ALLOWED]);
    const path = await scene.call('/limited/okay-not', token);
    expect([path.status, errorText(path)]).toEqual([403, GatewayErrorText.PATH_NOT_ALLOWED]);
    for (let i = 0; i < 3; i++) expect((await scene.call(`/limited/ok/${i}`, token)).status).toBe(200);
    const fourth = await scene.call('/limited/ok/3', token);
    expect([fourth.status, errorText(fourth)]).toEqual([429, GatewayErrorText.SESSION_RATE_LIMITED]);
    expect(Number(fourth.headers['retry-after'])).toBeGreaterThan(0);
    expect(await upstreamCallsSince(nginx, before)).toHaveLength(3);
    // Another session has its own count.
    expect((await scene.call('/limited/ok/other', (await ipSession(keys.ip)).token)).status).toBe(200);
  });

  it('answers 404 for a path no upstream serves, and 400 for a path with ".."', async () => {
    const { token } = await ipSession(keys.ip);
    const none = await scene.call('/elsewhere', token);
    expect([none.status, errorText(none)]).toEqual([404, GatewayErrorText.NO_UPSTREAM]);
    const dots = await scene.call('/api/a/..%2fsecret', token);
    expect([dots.status, errorText(dots)]).toEqual([400, GatewayErrorText.BAD_PATH]);
  });

  it('counts every request in the history: method, path, status, session; no query, no secret', async () => {
    const { id, token } = await ipSession(keys.ip);
    await scene.call('/q/history-check?api_key=guess', token);
    await new Promise((r) => setTimeout(r, 100));
    const entries = await scene.history();
    expect(entries.at(-1)).toMatchObject({
      upstream: 'by-query',
      method: 'GET',
      path: '/q/history-check',
      status: 200,
      outcome: 'forwarded',
      session_id: id,
      credential_id: keys.ip.id,
    });
    expect(entries).toContainEqual(
      expect.objectContaining({ path: '/api/accounts', status: 401, outcome: 'refused', session_id: null }),
    );
    expect(entries).toContainEqual(
      expect.objectContaining({ upstream: 'down', status: 502, outcome: 'upstream_error' }),
    );
  });

  it('never puts the upstream secret, a session token or the introspection secret in a log, the history or a reply', async () => {
    await scene.gateway.stop();
    const forms = [
      secret,
      encodeURIComponent(secret),
      Buffer.from(secret).toString('base64'),
      w.server.introspectionSecret,
    ];
    const logs = Buffer.from(scene.gateway.output.stdout + scene.gateway.output.stderr);
    const historyBytes = await readFile(scene.historyFile);
    const replies = Buffer.from(scene.replies.map((r) => JSON.stringify(r.headers) + r.text).join('\n'));
    // The scans must have something to scan: info-level request logs, a history line per request, replies.
    expect(logs.includes('incoming request')).toBe(true);
    expect(historyBytes.length).toBeGreaterThan(0);
    for (const form of [...forms, ...tokensSeen]) {
      expect(logs.includes(form), `logs contain ${form}`).toBe(false);
      expect(historyBytes.includes(form), `history contains ${form}`).toBe(false);
      expect(replies.includes(form), `a reply contains ${form}`).toBe(false);
    }
  });
});
