// openSession against a real approval server and a real test device, in every key mode and outcome.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CountersignError, introspect, openSession, type SessionProgress } from '../../client/index.js';
import { ErrorText } from '../../protocol/index.js';
import { type Owner, startOwner } from './fixtures.js';

let owner: Owner;
afterEach(async () => {
  await owner?.close();
});

async function isActive(token: string): Promise<boolean> {
  const result = await introspect({
    server: owner.server.url,
    introspectionSecret: owner.server.introspectionSecret,
    token,
  });
  return result.active;
}

describe('openSession', () => {
  beforeEach(async () => {
    owner = await startOwner();
  });

  it('opens at once with an ip-only key from a permitted IP', async () => {
    const apiKey = await owner.key('ip-only', { ips: ['127.0.0.1'] });
    const progress: SessionProgress[] = [];
    const result = await openSession({ server: owner.server.url, apiKey, onProgress: (p) => progress.push(p) });
    expect(result).toMatchObject({ status: 'ACCEPTED', uuid: null });
    expect(progress).toEqual([]);
    if (result.status !== 'ACCEPTED') throw new Error('not accepted');
    expect(await isActive(result.token)).toBe(true);
  });

  it('waits for the owner on a push key and returns the token once the device approves', async () => {
    const apiKey = await owner.key('push');
    const { device, stream } = await owner.device();
    const progress: SessionProgress[] = [];
    const opening = openSession({
      server: owner.server.url,
      apiKey,
      description: 'nightly export',
      userAgent: 'client-test/1',
      geolocation: { longitude: 4.89, latitude: 52.37, altitude: 0, radius: 100, country: 'NL' },
      onProgress: (p) => progress.push(p),
    });
    const { request } = await stream.next('approval.requested');
    expect(request).toMatchObject({
      description: 'nightly export',
      user_agent: 'client-test/1',
      ip: '127.0.0.1',
      geolocation: { longitude: 4.89, latitude: 52.37, country: 'NL' },
      binding_choices: null,
    });
    expect((await device.decide(request.uuid, { decision: 'APPROVE' })).status).toBe(200);

    const result = await opening;
    expect(result).toMatchObject({ status: 'ACCEPTED', uuid: request.uuid });
    if (result.status !== 'ACCEPTED') throw new Error('not accepted');
    expect(result.token).toMatch(/\S{20,}/);
    expect(await isActive(result.token)).toBe(true);
  });

  it('reports PENDING when the owner takes longer than the POST waits, and collects the token by status read', async () => {
    const apiKey = await owner.key('push');
    const { device, stream } = await owner.device();
    const progress: SessionProgress[] = [];
    const opening = openSession({ server: owner.server.url, apiKey, onProgress: (p) => progress.push(p) });
    const { request } = await stream.next('approval.requested');
    await expect.poll(() => progress.length, { timeout: 10_000 }).toBeGreaterThan(0);
    expect(progress[0]).toMatchObject({
      status: 'PENDING',
      uuid: request.uuid,
      bindingCode: null,
      approverOnline: true,
    });
    expect((await device.decide(request.uuid, { decision: 'APPROVE' })).status).toBe(200);
    const result = await opening;
    if (result.status !== 'ACCEPTED') throw new Error(`not accepted: ${result.status}`);
    expect(await isActive(result.token)).toBe(true);
  });

  it('hands the code to type to onProgress and returns it, when the key asks for one', async () => {
    const apiKey = await owner.key('push', { codeLength: 3 });
    const { device, stream } = await owner.device();
    const codes: (string | null)[] = [];
    const opening = openSession({ server: owner.server.url, apiKey, onProgress: (p) => codes.push(p.bindingCode) });
    const { request } = await stream.next('approval.requested');
    await expect.poll(() => codes.length, { timeout: 20_000 }).toBeGreaterThan(0);
    const shown = codes[0]!;
    expect(shown).toMatch(/^[0-9]{3}$/);
    // The device learns only how many digits to ask for.
    expect(request).toMatchObject({ code_length: 3, binding_choices: null });
    await device.decide(request.uuid, { decision: 'APPROVE', binding_code: shown });
    expect(await opening).toMatchObject({ status: 'ACCEPTED', code: shown });
  });

  it('tells onProgress whether an approver of the owner is online', async () => {
    const apiKey = await owner.key('push');
    const online: (boolean | null)[] = [];
    const controller = new AbortController();
    const opening = openSession({
      server: owner.server.url,
      apiKey,
      signal: controller.signal,
      onProgress: (p) => online.push(p.approverOnline),
    }).catch(() => null);
    await expect.poll(() => online.length, { timeout: 20_000 }).toBeGreaterThan(0);
    expect(online[0]).toBe(false);
    const { stream } = await owner.device();
    await stream.next('approval.requested');
    // The next poll after the device connected says so (the long-poll is cut short by the abort otherwise).
    controller.abort();
    await opening;
    const again = await openSession({
      server: owner.server.url,
      apiKey,
      timeoutSeconds: 1,
      onProgress: (p) => online.push(p.approverOnline),
    });
    expect(again.status).toBe('EXPIRED');
    expect(online.at(-1)).toBe(true);
  });

  it('opens at once in push-unless-trusted from a trusted IP, and asks from another', async () => {
    const apiKey = await owner.key('push-unless-trusted', { ips: ['127.0.0.1'] });
    expect(await openSession({ server: owner.server.url, apiKey })).toMatchObject({ status: 'ACCEPTED', uuid: null });

    const { device, stream } = await owner.device();
    const opening = openSession({ server: owner.server.url, apiKey, localAddress: '127.0.0.2' });
    const { request } = await stream.next('approval.requested');
    expect(request).toMatchObject({ ip: '127.0.0.2', ip_known: false });
    await device.decide(request.uuid, { decision: 'APPROVE' });
    expect(await opening).toMatchObject({ status: 'ACCEPTED', uuid: request.uuid });
  });

  it('resolves REJECTED when the owner blocks', async () => {
    const apiKey = await owner.key('push');
    const { device, stream } = await owner.device();
    const opening = openSession({ server: owner.server.url, apiKey });
    const { request } = await stream.next('approval.requested');
    await device.decide(request.uuid, { decision: 'BLOCK' });
    expect(await opening).toEqual({ status: 'REJECTED', uuid: request.uuid, code: null });
  });

  it("refuses an unknown key with the server's 401 text", async () => {
    const error = await openSession({ server: owner.server.url, apiKey: 'csk_not-a-key' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CountersignError);
    expect(error).toMatchObject({ kind: 'http', status: 401, message: ErrorText.BAD_CREDENTIALS });
  });

  it('refuses an ip-only key from 127.0.0.2 when only 127.0.0.1 is permitted', async () => {
    const apiKey = await owner.key('ip-only', { ips: ['127.0.0.1'] });
    const error = await openSession({ server: owner.server.url, apiKey, localAddress: '127.0.0.2' }).catch(
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ status: 401, message: ErrorText.BAD_CREDENTIALS });
    // The same key from the permitted address still works: the refusal was about the source IP.
    expect(await openSession({ server: owner.server.url, apiKey, localAddress: '127.0.0.1' })).toMatchObject({
      status: 'ACCEPTED',
    });
  });

  it("turns the fourth waiting request of a key into a 429 with the server's text", async () => {
    const apiKey = await owner.key('push');
    const controller = new AbortController();
    // Three different jobs: identical attempts would merge into one request.
    const waiting = [1, 2, 3].map((n) =>
      openSession({ server: owner.server.url, apiKey, description: `job ${n}`, signal: controller.signal }).catch(
        (e: unknown) => e,
      ),
    );
    // Wait until all three are PENDING on the server: the owner's stream shows each one.
    const { stream } = await owner.device();
    await stream.next('approval.requested');
    await stream.next('approval.requested');
    await stream.next('approval.requested');

    const error = await openSession({ server: owner.server.url, apiKey }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CountersignError);
    expect(error).toMatchObject({ status: 429, message: ErrorText.TOO_MANY_PENDING, retryAfterSeconds: 2 });
    controller.abort();
    await Promise.all(waiting);
  });

  it("rejects with the signal's reason when aborted while waiting", async () => {
    const apiKey = await owner.key('push');
    const { stream } = await owner.device();
    const controller = new AbortController();
    const opening = openSession({ server: owner.server.url, apiKey, signal: controller.signal });
    await stream.next('approval.requested');
    const reason = new Error('caller gave up');
    controller.abort(reason);
    await expect(opening).rejects.toBe(reason);
  });

  it('resolves EXPIRED with reason timeout when its own timeout passes first', async () => {
    const apiKey = await owner.key('push');
    const { stream } = await owner.device();
    const opening = openSession({ server: owner.server.url, apiKey, timeoutSeconds: 1 });
    const { request } = await stream.next('approval.requested');
    expect(await opening).toEqual({ status: 'EXPIRED', uuid: request.uuid, reason: 'timeout', code: null });
  });

  it('fails with a network error when nothing listens at the server URL', async () => {
    const url = owner.server.url;
    await owner.server.close();
    const error = await openSession({ server: url, apiKey: 'csk_x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CountersignError);
    expect(error).toMatchObject({ kind: 'network', status: null });
    expect((error as Error).message).toContain(url);
  });

  it('refuses a server URL that is not http(s)', async () => {
    await expect(openSession({ server: 'ftp://example.com', apiKey: 'k' })).rejects.toThrow(TypeError);
  });
});

describe('openSession with a short request lifetime', () => {
  beforeEach(async () => {
    owner = await startOwner({ requestLifetimeSeconds: 2 });
  });

  it('resolves EXPIRED when nobody decides in time', async () => {
    const apiKey = await owner.key('push');
    const { stream } = await owner.device();
    const opening = openSession({ server: owner.server.url, apiKey });
    const { request } = await stream.next('approval.requested');
    expect(await opening).toEqual({ status: 'EXPIRED', uuid: request.uuid, reason: 'server', code: null });
    expect(await stream.next('approval.resolved')).toMatchObject({ uuid: request.uuid, status: 'EXPIRED' });
  });
});
