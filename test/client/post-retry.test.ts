// openSession sends a POST that got no usable reply again, with the same claim, so that the server answers it with
// the request the first one made instead of asking the owner twice. The gateway in between is Debian's nginx in
// front of the real server: with a read timeout shorter than the POST waits, nginx answers 504 after the server has
// made (or found) the request; with nothing behind it, nginx answers 502 before anything is made.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CountersignError, introspect, openSession } from '../../client/index.js';
import { freePort, nginxMissing } from '../gateway/support/nginx.js';
import { type NginxProxy, startNginxProxy } from '../support/nginx-proxy.js';
import { countRows } from '../server/helpers.js';
import { type Owner, startOwner } from './fixtures.js';

const missing = nginxMissing();

/** Shorter than the one second a POST waits for the owner, so that nginx gives up on every waiting POST. */
const GATEWAY_READ_TIMEOUT_MS = 300;

describe.skipIf(missing !== null)(`openSession behind nginx${missing ? ` (skipped: ${missing})` : ''}`, () => {
  let dir: string;
  let owner: Owner | null = null;
  let proxy: NginxProxy | null = null;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'countersign-post-retry-'));
  });
  afterEach(async () => {
    await proxy?.stop();
    await owner?.close();
    proxy = null;
    owner = null;
    await rm(dir, { recursive: true, force: true });
  });

  const claimOf = (line: string) => /claim=\[([^\]]*)\]/.exec(line)?.[1];

  it('sends a POST the gateway timed out again with its claim, four times in all, and asks the owner once', async () => {
    owner = await startOwner();
    const apiKey = await owner.key('push');
    const { stream } = await owner.device();
    proxy = await startNginxProxy({ dir, upstream: owner.server.url, readTimeoutMs: GATEWAY_READ_TIMEOUT_MS });

    const failure = await openSession({ server: proxy.url, apiKey }).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(CountersignError);
    expect(failure).toMatchObject({ kind: 'http', status: 504 });

    // nginx writes a request's log line just after its reply: wait for the last one.
    await expect.poll(async () => (await proxy!.accessLog()).length).toBe(4);
    const log = await proxy.accessLog();
    expect(log.map((line) => line.replace(/ claim=.*/, ''))).toEqual(
      Array.from({ length: 4 }, () => 'POST /v1/session-server?wait=1 504'),
    );
    const claims = new Set(log.map(claimOf));
    expect(claims.size).toBe(1);
    expect([...claims][0]).toMatch(/^[A-Za-z0-9_-]{43}$/);
    // One request, and the owner was asked about it once: the repeats found it by its claim.
    expect(await countRows(owner.server, 'session_requests')).toBe(1);
    expect(stream.received.filter((message) => message.type === 'approval.requested')).toHaveLength(1);
  });

  it('collects the token on a later attempt once the owner approves between them', async () => {
    owner = await startOwner();
    const apiKey = await owner.key('push');
    const { device, stream } = await owner.device();
    proxy = await startNginxProxy({ dir, upstream: owner.server.url, readTimeoutMs: GATEWAY_READ_TIMEOUT_MS });

    const opening = openSession({ server: proxy.url, apiKey });
    const { request } = await stream.next('approval.requested');
    // Decided once the first attempt has come back 504: the attempt after it finds the request approved.
    await expect.poll(async () => (await proxy!.accessLog()).length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect((await device.decide(request.uuid, { decision: 'APPROVE' })).status).toBe(200);

    const result = await opening;
    expect(result).toMatchObject({ status: 'ACCEPTED', uuid: request.uuid });
    if (result.status !== 'ACCEPTED') throw new Error('not accepted');
    const session = await introspect({
      server: owner.server.url,
      introspectionSecret: owner.server.introspectionSecret,
      token: result.token,
    });
    expect(session).toMatchObject({ active: true, session_id: result.sessionId });
    await expect.poll(async () => (await proxy!.accessLog()).at(-1)).toMatch(/ 202 /);
    const log = await proxy.accessLog();
    expect(log[0]).toMatch(/^POST \/v1\/session-server\?wait=1 504 /);
    expect(log.at(-1)).toMatch(/^POST \/v1\/session-server\?wait=1 202 /);
    expect(new Set(log.map(claimOf)).size).toBe(1);
    expect(await countRows(owner.server, 'session_requests')).toBe(1);
    expect(await countRows(owner.server, 'sessions')).toBe(1);
    expect(stream.received.filter((message) => message.type === 'approval.requested')).toHaveLength(1);
  });

  it('sends a POST with a TOTP code once: a code is good only once, so a repeat could only be refused', async () => {
    // Nothing listens behind the gateway: every attempt is nginx's own 502.
    proxy = await startNginxProxy({ dir, upstream: `http://127.0.0.1:${await freePort()}` });
    const failure = await openSession({ server: proxy.url, apiKey: 'sk_unused', totp: '123456' }).catch(
      (error: unknown) => error,
    );
    expect(failure).toMatchObject({ kind: 'http', status: 502 });
    await expect.poll(async () => (await proxy!.accessLog()).length).toBe(1);
    expect((await proxy.accessLog()).map((line) => line.replace(/ claim=.*/, ''))).toEqual([
      'POST /v1/session-server?wait=1 502',
    ]);

    // The same key without a code is sent four times before the 502 is passed on.
    const plain = await openSession({ server: proxy.url, apiKey: 'sk_unused' }).catch((error: unknown) => error);
    expect(plain).toMatchObject({ kind: 'http', status: 502 });
    await expect.poll(async () => (await proxy!.accessLog()).length).toBe(5);
  });
});
