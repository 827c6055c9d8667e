// Approver devices: two devices racing, signed-request checks (forged, replayed, stale), the push stream's rules,
// pairing and removal.
import { generateDeviceKeyPair, privateKeyObject, signText } from '../../protocol/crypto.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ApproverDeviceCreated,
  canonicalRequest,
  EMPTY_BODY_SHA256,
  ErrorText,
  PairingCodeIssued,
  StreamCloseCode,
} from '../../protocol/index.js';
import { TestDevice, UpgradeRefused } from '../support/device.js';
import { http } from '../support/server.js';
import { createKey, errorText, pendingAttempt, type World, world } from './helpers.js';

let w: World;
beforeEach(async () => {
  w = await world({ pingIntervalMs: 300 });
});
afterEach(async () => w.close());

async function secondDevice(name = 'alice-desktop') {
  const device = await TestDevice.pair(w.server.url, (await w.server.admin.pair(w.user.name)).code, name);
  const stream = await device.connect();
  await stream.next('hello');
  return { device, stream };
}

const listPath = () => `/v1/user/${w.user.id}/credential-password-ip`;

describe('two devices', () => {
  it('the first decision wins; the second gets 409; the other device is told to dismiss the request', async () => {
    const other = await secondDevice();
    const key = await createKey(w, 'push');
    const pending = await pendingAttempt(w.server, key.api_key);
    await w.stream.next('approval.requested');
    await other.stream.next('approval.requested');

    const first = await other.device.decide(pending.uuid, { decision: 'APPROVE' });
    expect(first.status, first.text).toBe(200);
    const second = await w.device.decide(pending.uuid, { decision: 'BLOCK' });
    expect(second.status).toBe(409);
    expect(errorText(second)).toBe(ErrorText.ALREADY_DECIDED);

    for (const stream of [w.stream, other.stream]) {
      expect(await stream.next('approval.resolved')).toEqual({
        type: 'approval.resolved',
        uuid: pending.uuid,
        status: 'ACCEPTED',
      });
    }
    await other.stream.close();
  });

  it('decided simultaneously, exactly one decision is taken', async () => {
    const other = await secondDevice();
    const key = await createKey(w, 'push');
    const pending = await pendingAttempt(w.server, key.api_key);
    const replies = await Promise.all([
      w.device.decide(pending.uuid, { decision: 'APPROVE' }),
      other.device.decide(pending.uuid, { decision: 'BLOCK' }),
    ]);
    expect(replies.map((r) => r.status).sort()).toEqual([200, 409]);
    await other.stream.close();
  });

  it('a device of another user cannot see or decide this user’s requests', async () => {
    await w.server.admin.createUser('mallory');
    const mallory = await TestDevice.pair(w.server.url, (await w.server.admin.pair('mallory')).code, 'mallory');
    const key = await createKey(w, 'push');
    const pending = await pendingAttempt(w.server, key.api_key);
    const decide = await mallory.decide(pending.uuid, { decision: 'APPROVE' });
    expect(decide.status).toBe(404);
    const list = await mallory.request('GET', listPath());
    expect(list.status).toBe(403);
    expect(errorText(list)).toBe(ErrorText.FORBIDDEN);
  });
});

describe('signed requests', () => {
  it('accepts a correctly signed call', async () => {
    const reply = await w.device.request('GET', listPath());
    expect(reply.status, reply.text).toBe(200);
  });

  it('refuses a forged signature (made with another key)', async () => {
    const forger = privateKeyObject(generateDeviceKeyPair().privateKey);
    const timestamp = String(Date.now());
    const canonical = canonicalRequest({
      method: 'GET',
      pathWithQuery: listPath(),
      timestamp,
      bodySha256Hex: EMPTY_BODY_SHA256,
    });
    const reply = await w.device.request('GET', listPath(), undefined, {
      headers: {
        'x-countersign-device': String(w.device.id),
        'x-countersign-timestamp': timestamp,
        'x-countersign-signature': signText(forger, canonical),
      },
    });
    expect(reply.status).toBe(401);
    expect(errorText(reply)).toBe(ErrorText.DEVICE_AUTH_FAILED);
  });

  it('refuses a signature over another path or body', async () => {
    const headers = w.device.sign('GET', `/v1/user/${w.user.id}/approver-device`, '');
    const reply = await w.device.request('GET', listPath(), undefined, { headers });
    expect(reply.status).toBe(401);
    const body = { name: 'k', mode: 'push' };
    const signedOther = w.device.sign('POST', listPath(), JSON.stringify({ ...body, name: 'other' }));
    const post = await w.device.request('POST', listPath(), body, { headers: signedOther });
    expect(post.status).toBe(401);
    expect(errorText(post)).toBe(ErrorText.DEVICE_AUTH_FAILED);
  });

  it('refuses a replayed signature', async () => {
    const first = await w.device.request('GET', listPath());
    expect(first.status).toBe(200);
    const replay = await w.device.request('GET', listPath(), undefined, { headers: first.sentHeaders });
    expect(replay.status).toBe(401);
    expect(errorText(replay)).toBe(ErrorText.REPLAYED);
  });

  it('refuses a timestamp more than 60 s from the server clock, either way', async () => {
    for (const skew of [-61_000, 61_000]) {
      const reply = await w.device.request('GET', listPath(), undefined, { timestamp: Date.now() + skew });
      expect(reply.status).toBe(401);
      expect(errorText(reply)).toBe(ErrorText.STALE_TIMESTAMP);
    }
  });

  it('refuses missing headers and unknown devices', async () => {
    const none = await http(`${w.server.url}${listPath()}`);
    expect(none.status).toBe(401);
    expect(errorText(none)).toBe(ErrorText.DEVICE_AUTH_FAILED);
    const headers = { ...w.device.sign('GET', listPath(), ''), 'x-countersign-device': '999' };
    const unknown = await http(`${w.server.url}${listPath()}`, { headers });
    expect(unknown.status).toBe(401);
    expect(errorText(unknown)).toBe(ErrorText.DEVICE_AUTH_FAILED);
  });

  it('refuses an unsigned or badly signed WebSocket upgrade with HTTP 401', async () => {
    const path = `/v1/approver-device/${w.device.id}/stream`;
    await expect(w.device.connect({ headers: {} })).rejects.toEqual(new UpgradeRefused(401));
    const replayed = w.device.sign('GET', path, '');
    (await w.device.connect({ headers: replayed })).close();
    await expect(w.device.connect({ headers: replayed })).rejects.toEqual(new UpgradeRefused(401));
  });
});

describe('push stream', () => {
  it('says hello with the device, user and address, then sends every PENDING request', async () => {
    const key = await createKey(w, 'push');
    const a = await pendingAttempt(w.server, key.api_key);
    const b = await pendingAttempt(w.server, key.api_key);
    const stream = await w.device.connect();
    expect(await stream.next('hello')).toMatchObject({
      device_id: w.device.id,
      user_id: w.user.id,
      client_ip: '127.0.0.1',
      ping_interval_ms: 300,
    });
    expect((await stream.next('approval.requested')).request.uuid).toBe(a.uuid);
    expect((await stream.next('approval.requested')).request.uuid).toBe(b.uuid);
    await stream.close();
  });

  it('pings, and keeps a device that answers', async () => {
    const ping = await w.stream.next('ping');
    const later = await w.stream.next('ping');
    expect(later.t).toBeGreaterThan(ping.t);
  });

  it('closes a stream that does not answer pings with 4408', async () => {
    const silent = await w.device.connect({ autoPong: false });
    expect((await silent.closed).code).toBe(StreamCloseCode.HEARTBEAT_TIMEOUT);
  });

  it('pings every open stream while others open and close around it', async () => {
    const first = await w.device.connect();
    const middle = await w.device.connect();
    const last = await w.device.connect();
    await middle.close(); // leaves from the middle of the streams' ping order
    await first.next('ping');
    await first.close(); // from its head, after a ping
    const silent = await w.device.connect({ autoPong: false }); // joins at its tail
    const joined = Date.now();
    expect((await silent.closed).code).toBe(StreamCloseCode.HEARTBEAT_TIMEOUT);
    for (const stream of [w.stream, last]) {
      let ping = await stream.next('ping');
      while (ping.t < joined) ping = await stream.next('ping');
      expect(stream.socket.readyState).toBe(stream.socket.OPEN);
    }
    await last.close();
  });

  it('closes a stream that sends anything but a pong with 4400', async () => {
    for (const text of ['hello', JSON.stringify({ type: 'approve', uuid: 'x' }), JSON.stringify({ type: 'pong' })]) {
      const stream = await w.device.connect();
      stream.send(text);
      expect((await stream.closed).code).toBe(StreamCloseCode.BAD_MESSAGE);
    }
  });

  it('refuses a stream for another device id', async () => {
    const other = await secondDevice();
    await expect(w.device.connect({ streamOf: other.device.id })).rejects.toEqual(new UpgradeRefused(403));
    await other.stream.close();
  });
});

describe('pairing and devices', () => {
  it('pairs with a code once only', async () => {
    const { code } = await w.server.admin.pair(w.user.name);
    const device = await TestDevice.pair(w.server.url, code.toLowerCase(), 'second');
    expect(device.userId).toBe(w.user.id);
    const again = await http(`${w.server.url}/v1/approver-device`, {
      method: 'POST',
      body: { pairing_code: code, public_key: generateDeviceKeyPair().publicKey, name: 'third', platform: 'linux' },
    });
    expect(again.status).toBe(400);
    expect(errorText(again)).toBe(ErrorText.PAIRING_CODE_INVALID);
  });

  it('lets a device invite another and lists both', async () => {
    const issued = await w.device.request('POST', `/v1/user/${w.user.id}/pairing-code`, {});
    expect(issued.status, issued.text).toBe(200);
    const invite = PairingCodeIssued.parse(issued.json);
    expect(invite.pairing_url).toBe(
      `countersign://pair?server=${encodeURIComponent(w.server.url)}&code=${invite.code}`,
    );
    const added = await TestDevice.pair(w.server.url, invite.code, 'invited');
    const list = await added.request('GET', `/v1/user/${w.user.id}/approver-device`);
    expect(list.json).toMatchObject({
      Response: [
        { ApproverDevice: { id: w.device.id, name: 'alice-laptop', user_name: 'alice', platform: 'linux' } },
        { ApproverDevice: { id: added.id, name: 'invited' } },
      ],
    });
  });

  it('replies to pairing with the device as the protocol describes', async () => {
    const { code } = await w.server.admin.pair(w.user.name);
    const reply = await http(`${w.server.url}/v1/approver-device`, {
      method: 'POST',
      body: { pairing_code: code, public_key: generateDeviceKeyPair().publicKey, name: 'mac', platform: 'darwin' },
    });
    const created = ApproverDeviceCreated.parse(reply.json);
    expect(created.Response[1].ApproverDevice).toMatchObject({
      id: created.Response[0].Id.id,
      user_id: w.user.id,
      user_name: 'alice',
      name: 'mac',
      platform: 'darwin',
      last_seen: null,
    });
  });

  it('slows down an address that keeps guessing pairing codes', async () => {
    const guess = () =>
      http(`${w.server.url}/v1/approver-device`, {
        method: 'POST',
        body: {
          pairing_code: 'AAAA-BBBB-CCCC-DDDD',
          public_key: generateDeviceKeyPair().publicKey,
          name: 'guess',
          platform: 'other',
        },
        localAddress: '127.0.0.3',
      });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i += 1) statuses.push((await guess()).status);
    expect(statuses.every((s) => s === 400)).toBe(true);
    const limited = await guess();
    expect(limited.status).toBe(429);
    expect(errorText(limited)).toBe(ErrorText.RATE_LIMITED);
    // Other addresses still pair.
    await TestDevice.pair(w.server.url, (await w.server.admin.pair(w.user.name)).code);
  });

  it('removes a device: its stream closes with 4401 and its calls fail from then on', async () => {
    const other = await secondDevice();
    const removed = await w.device.request('DELETE', `/v1/approver-device/${other.device.id}`);
    expect(removed.status, removed.text).toBe(200);
    expect((await other.stream.closed).code).toBe(StreamCloseCode.DEVICE_REVOKED);
    const after = await other.device.request('GET', listPath());
    expect(after.status).toBe(401);
    expect(errorText(after)).toBe(ErrorText.DEVICE_AUTH_FAILED);
    const self = await w.device.request('DELETE', `/v1/user/${w.user.id}/approver-device/${w.device.id}`);
    expect(self.status).toBe(200);
    expect((await w.stream.closed).code).toBe(StreamCloseCode.DEVICE_REVOKED);
  });
});

describe('shutdown', () => {
  it('closes push streams with 1001 (going away: reconnect)', async () => {
    await w.server.close();
    expect((await w.stream.closed).code).toBe(StreamCloseCode.SERVER_GOING_AWAY);
  });
});
