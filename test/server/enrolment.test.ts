// Devices are enrolled and removed in the open: every pairing and removal reaches the user's other devices on their
// push streams (device.paired / device.removed) and stays in the audit trail (GET …/device-event); a user has at
// most a few unused pairing codes, each naming the device that made it. Real server, real HTTP and WebSocket.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DeviceEventList, ErrorText, Limits, PairingCodeIssued, StreamCloseCode } from '../../protocol/index.js';
import { TestDevice } from '../support/device.js';
import { countRows, errorText, queryDb, type World, world } from './helpers.js';

let w: World;
beforeEach(async () => {
  w = await world();
});
afterEach(async () => w.close());

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

/** POST …/pairing-code as the device: an invite for its user. */
const invite = (device: TestDevice) => device.request('POST', `/v1/user/${device.userId}/pairing-code`, {});

async function invitedCode(device: TestDevice): Promise<string> {
  const reply = await invite(device);
  expect(reply.status, reply.text).toBe(200);
  return PairingCodeIssued.parse(reply.json).code;
}

async function deviceEvents(device: TestDevice, query = '') {
  const reply = await device.request('GET', `/v1/user/${device.userId}/device-event${query}`);
  expect(reply.status, reply.text).toBe(200);
  return DeviceEventList.parse(reply.json).Response.map((entry) => entry.DeviceEvent);
}

describe('a device paired', () => {
  it("with the laptop's invite: the laptop's stream is told who, from where, when, invited by whom", async () => {
    const before = Date.now();
    const phone = await TestDevice.pair(w.server.url, await invitedCode(w.device), 'alice-phone');
    const told = await w.stream.next('device.paired');
    expect(told).toEqual({
      type: 'device.paired',
      event_id: expect.any(Number),
      device: { id: phone.id, name: 'alice-phone', platform: 'linux' },
      ip: '127.0.0.1',
      at: expect.stringMatching(ISO),
      invited_by: { device_id: w.device.id, name: 'alice-laptop' },
    });
    expect(Date.parse(told.at)).toBeGreaterThanOrEqual(before - 1);
    expect(Date.parse(told.at)).toBeLessThanOrEqual(Date.now());
  });

  it('with a code from the operator: invited_by is null', async () => {
    const phone = await TestDevice.pair(w.server.url, (await w.server.admin.pair(w.user.name)).code, 'alice-phone');
    expect(await w.stream.next('device.paired')).toMatchObject({ device: { id: phone.id }, invited_by: null });
  });

  it('the new device is not told about itself; a device of another user hears nothing', async () => {
    await w.server.admin.createUser('mallory');
    const mallory = await TestDevice.pair(w.server.url, (await w.server.admin.pair('mallory')).code, 'mallory');
    const malloryStream = await mallory.connect();
    await malloryStream.next('hello');
    const phone = await TestDevice.pair(w.server.url, await invitedCode(w.device), 'alice-phone');
    const phoneStream = await phone.connect();
    await phoneStream.next('hello');
    await w.stream.next('device.paired');
    // A later message to alice's devices, to be sure anything sent before it has arrived.
    const third = await TestDevice.pair(w.server.url, await invitedCode(w.device), 'alice-tablet');
    expect((await phoneStream.next('device.paired')).device.id).toBe(third.id);
    expect(phoneStream.received.filter((m) => m.type === 'device.paired').map((m) => m.device.id)).toEqual([third.id]);
    expect(malloryStream.received.filter((m) => m.type.startsWith('device.'))).toEqual([]);
    await phoneStream.close();
    await malloryStream.close();
  });
});

describe('a device removed', () => {
  it('by another device: the rest are told who removed it and from where; its stream closes with 4401', async () => {
    const phone = await TestDevice.pair(w.server.url, await invitedCode(w.device), 'alice-phone');
    const phoneStream = await phone.connect();
    await phoneStream.next('hello');
    const tablet = await TestDevice.pair(w.server.url, await invitedCode(w.device), 'alice-tablet');
    const tabletStream = await tablet.connect();
    await tabletStream.next('hello');

    const removed = await w.device.request('DELETE', `/v1/user/${w.user.id}/approver-device/${phone.id}`);
    expect(removed.status, removed.text).toBe(200);
    const expected = {
      type: 'device.removed',
      event_id: expect.any(Number),
      device: { id: phone.id, name: 'alice-phone', platform: 'linux' },
      removed_by: { device_id: w.device.id, name: 'alice-laptop' },
      ip: '127.0.0.1',
      at: expect.stringMatching(ISO),
    };
    expect(await tabletStream.next('device.removed')).toEqual(expected);
    expect(await w.stream.next('device.removed')).toEqual(expected);
    expect(await phoneStream.closed).toEqual({
      code: StreamCloseCode.DEVICE_REVOKED,
      reason: 'This device was removed.',
    });
    expect(phoneStream.received.filter((m) => m.type === 'device.removed')).toEqual([]);
    await tabletStream.close();
  });

  it('by itself (unpairing): the others are told it removed itself', async () => {
    const phone = await TestDevice.pair(w.server.url, await invitedCode(w.device), 'alice-phone');
    const removed = await phone.request('DELETE', `/v1/approver-device/${phone.id}`);
    expect(removed.status, removed.text).toBe(200);
    expect(await w.stream.next('device.removed')).toMatchObject({
      device: { id: phone.id },
      removed_by: { device_id: phone.id, name: 'alice-phone' },
    });
  });

  it('its unused invites die with it, so a code from a distrusted device lets nobody in', async () => {
    const phone = await TestDevice.pair(w.server.url, await invitedCode(w.device), 'alice-phone');
    const code = await invitedCode(phone);
    expect((await w.device.request('DELETE', `/v1/user/${w.user.id}/approver-device/${phone.id}`)).status).toBe(200);
    await expect(TestDevice.pair(w.server.url, code, 'intruder')).rejects.toThrow(ErrorText.PAIRING_CODE_INVALID);
    expect(await countRows(w.server, 'devices', "name = 'intruder'")).toBe(0);
  });
});

describe('the audit trail: GET /v1/user/{userID}/device-event', () => {
  it('shows the pairings and removals, newest first, and pages with older_than', async () => {
    const phone = await TestDevice.pair(w.server.url, await invitedCode(w.device), 'alice-phone');
    const told = await w.stream.next('device.paired');
    expect((await w.device.request('DELETE', `/v1/user/${w.user.id}/approver-device/${phone.id}`)).status).toBe(200);
    const removal = await w.stream.next('device.removed');

    const events = await deviceEvents(w.device);
    // Newest first: the removal, the phone's pairing, the laptop's own pairing (code from the operator).
    expect(events).toEqual([
      {
        id: removal.event_id,
        kind: 'removed',
        device: { id: phone.id, name: 'alice-phone', platform: 'linux' },
        ip: '127.0.0.1',
        at: removal.at,
        by: { device_id: w.device.id, name: 'alice-laptop' },
      },
      {
        id: told.event_id,
        kind: 'paired',
        device: { id: phone.id, name: 'alice-phone', platform: 'linux' },
        ip: '127.0.0.1',
        at: told.at,
        by: { device_id: w.device.id, name: 'alice-laptop' },
      },
      {
        id: expect.any(Number),
        kind: 'paired',
        device: { id: w.device.id, name: 'alice-laptop', platform: 'linux' },
        ip: '127.0.0.1',
        at: expect.stringMatching(ISO),
        by: null,
      },
    ]);
    expect(await deviceEvents(w.device, `?count=1&older_than=${removal.event_id}`)).toEqual([events[1]]);
  });

  it('refuses a bad count and another user’s trail', async () => {
    const bad = await w.device.request('GET', `/v1/user/${w.user.id}/device-event?count=0`);
    expect(bad.status).toBe(400);
    expect(errorText(bad)).toContain('count must be a whole number from 1 to 200');
    await w.server.admin.createUser('mallory');
    const mallory = await TestDevice.pair(w.server.url, (await w.server.admin.pair('mallory')).code, 'mallory');
    const other = await mallory.request('GET', `/v1/user/${w.user.id}/device-event`);
    expect(other.status).toBe(403);
    expect(errorText(other)).toBe(ErrorText.FORBIDDEN);
  });
});

describe('outstanding invites', () => {
  it(`at most ${Limits.MAX_OUTSTANDING_PAIRING_CODES} unused codes per user; the next is 429 until one is used`, async () => {
    const codes = [];
    for (let n = 0; n < Limits.MAX_OUTSTANDING_PAIRING_CODES; n += 1) codes.push(await invitedCode(w.device));
    const refused = await invite(w.device);
    expect(refused.status).toBe(429);
    expect(errorText(refused)).toBe(ErrorText.TOO_MANY_PAIRING_CODES);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(refused.headers['retry-after'])).toBeLessThanOrEqual(Limits.PAIRING_CODE_LIFETIME_SECONDS);
    // The operator's codes count too: they are invites just the same.
    await expect(w.server.admin.pair(w.user.name)).rejects.toThrow(ErrorText.TOO_MANY_PAIRING_CODES);
    expect(await countRows(w.server, 'pairing_codes', 'used_at IS NULL')).toBe(Limits.MAX_OUTSTANDING_PAIRING_CODES);

    await TestDevice.pair(w.server.url, codes[0]!, 'alice-phone');
    expect((await invite(w.device)).status).toBe(200);
  });

  it('many invites at once: exactly the allowed number is made', async () => {
    const replies = await Promise.all(Array.from({ length: 8 }, () => invite(w.device)));
    const statuses = replies.map((reply) => reply.status).sort();
    expect(statuses).toEqual([
      ...Array(Limits.MAX_OUTSTANDING_PAIRING_CODES).fill(200),
      ...Array(8 - Limits.MAX_OUTSTANDING_PAIRING_CODES).fill(429),
    ]);
    expect(await countRows(w.server, 'pairing_codes', 'used_at IS NULL')).toBe(Limits.MAX_OUTSTANDING_PAIRING_CODES);
  });

  it('a code records the device that made it (null for the operator’s)', async () => {
    await invitedCode(w.device);
    const rows = await queryDb<{ invited_by_device_id: number | string | null }>(
      w.server,
      'SELECT invited_by_device_id FROM pairing_codes ORDER BY created',
    );
    expect(rows.map((row) => (row.invited_by_device_id === null ? null : Number(row.invited_by_device_id)))).toEqual([
      null,
      w.device.id,
    ]);
  });
});
