// Enrolment told to the desktop: a real core paired with a real server hears device.paired and device.removed on
// its push stream, keeps each event once (also when it comes twice), and lists, removes and audits the user's
// devices through the device-signed endpoints.
import WebSocket from 'ws';
import { afterEach, beforeEach, expect, it } from 'vitest';
import type { DeviceNotice } from '../../ipc/contract.js';
import { OWN_DEVICE_REMOVAL } from '../../main/core/devices.js';
import { startTestCore, type TestCore, waitFor } from '../support/core.js';
import { TestDevice } from '../support/device.js';
import { startTestServer, type TestServer } from '../support/server.js';
import { describeWithKeychain, hasKeychainSession } from './keychain-session.js';

/**
 * The network path between server and desktop delivering every enrolment frame twice, as the server may (an
 * instance that lost its notice connection resends what it may have missed). Only the delivery is doubled; the
 * frames are the server's own.
 */
let doubledFrames = 0;
class DoublingWebSocket extends WebSocket {
  override emit(event: string | symbol, ...args: unknown[]): boolean {
    if (event === 'message' && /"type": ?"device\.(paired|removed)"/.test(String(args[0]))) {
      doubledFrames += 1;
      super.emit(event, ...args);
    }
    return super.emit(event, ...args);
  }
}

let server: TestServer;
let c: TestCore;
let accountId: string;
let enrolments: DeviceNotice[];
let noticeSnapshots: DeviceNotice[][];

beforeEach(async () => {
  doubledFrames = 0;
  server = await startTestServer();
  await server.admin.createUser('ada');
  if (!hasKeychainSession) return;
  c = await startTestCore({
    issuer: server.admin,
    user: 'ada',
    deviceName: 'ada laptop',
    WebSocket: DoublingWebSocket,
  });
  accountId = c.account!.id;
  enrolments = [];
  noticeSnapshots = [];
  c.core.on('devices:enrolment', (notice) => enrolments.push(notice));
  c.core.on('devices:notices-changed', (notices) => noticeSnapshots.push(notices));
});

afterEach(async () => {
  await c?.close();
  await server.close();
});

function value<T>(result: { ok: true; value: T } | { ok: false; error: { code: string; message: string } }): T {
  if (!result.ok) throw new Error(`${result.error.code}: ${result.error.message}`);
  return result.value;
}

async function deviceIdsAtServer(): Promise<number[]> {
  return value(await c.core.listDevices(accountId)).map((d) => d.id);
}

describeWithKeychain('device enrolment on the desktop', () => {
  it('a second device paired: the core tells it once although the frame came twice, and keeps the notice', async () => {
    const invite = value(await c.core.issuePairingCode(accountId));
    const phone = await TestDevice.pair(server.url, invite.code, 'ada phone');

    await waitFor('the paired frame, delivered twice', () => doubledFrames === 1);
    // Whatever else is in flight on the stream comes after; give a repeat time to show.
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(enrolments).toHaveLength(1);
    const notice = enrolments[0]!;
    expect(notice).toMatchObject({
      accountId,
      userName: 'ada',
      kind: 'paired',
      device: { id: phone.id, name: 'ada phone', platform: 'linux' },
      ip: '127.0.0.1',
      // The invite came from this desktop's device: the audit trail names it.
      by: { deviceId: c.account!.deviceId, name: 'ada laptop' },
      byThisDevice: true,
      removable: true,
    });
    expect(c.core.deviceNotices()).toEqual([notice]);
    expect(noticeSnapshots).toEqual([[notice]]);

    // The device list shows both, this desktop's own marked.
    const devices = value(await c.core.listDevices(accountId));
    expect(devices.map((d) => [d.name, d.thisDevice])).toEqual(
      expect.arrayContaining([
        ['ada laptop', true],
        ['ada phone', false],
      ]),
    );
  });

  it('removes the new device at the server from the notice; the removal made here needs no notice', async () => {
    const phone = await TestDevice.pair(server.url, (await server.admin.pair('ada')).code, 'ada phone');
    const paired = await waitFor('the paired notice', () => enrolments[0]);
    expect(paired).toMatchObject({ by: null, byThisDevice: false, removable: true });

    value(await c.core.removeDevice(accountId, phone.id));
    expect(await deviceIdsAtServer()).toEqual([c.account!.deviceId]);
    // The removed device can no longer sign anything.
    expect((await phone.request('GET', `/v1/user/${phone.userId}/approver-device`)).status).toBe(401);

    const removed = await waitFor('the removed notice', () => enrolments.find((n) => n.kind === 'removed'));
    expect(removed).toMatchObject({
      kind: 'removed',
      device: { id: phone.id, name: 'ada phone' },
      by: { deviceId: c.account!.deviceId, name: 'ada laptop' },
      byThisDevice: true,
      ip: '127.0.0.1',
    });
    await waitFor('the removed frame, delivered twice', () => doubledFrames === 2);
    expect(enrolments.map((n) => n.kind)).toEqual(['paired', 'removed']);
    // The pairing notice has nothing left to offer, and this desktop's own removal is not a notice.
    expect(c.core.deviceNotices()).toEqual([]);

    // Removing it again: the server says it is gone, nothing changes.
    const again = await c.core.removeDevice(accountId, phone.id);
    expect(again).toMatchObject({ ok: false, error: { code: 'NOT_FOUND', status: 404 } });
  });

  it('a removal by another device is told as "removed by" that device; the audit trail has who, where, when', async () => {
    const phone = await TestDevice.pair(server.url, (await server.admin.pair('ada')).code, 'ada phone');
    const tablet = await TestDevice.pair(server.url, (await server.admin.pair('ada')).code, 'ada tablet');
    await waitFor('two paired notices', () => enrolments.length === 2);

    const reply = await phone.request('DELETE', `/v1/user/${phone.userId}/approver-device/${tablet.id}`);
    expect(reply.status).toBe(200);
    const removed = await waitFor('the removed notice', () => enrolments.find((n) => n.kind === 'removed'));
    expect(removed).toMatchObject({
      device: { id: tablet.id, name: 'ada tablet' },
      by: { deviceId: phone.id, name: 'ada phone' },
      byThisDevice: false,
      removable: false,
    });
    // Still shown: the phone's pairing (removable) and the tablet's removal; the tablet's pairing went.
    expect(c.core.deviceNotices().map((n) => [n.kind, n.device.name, n.removable])).toEqual([
      ['removed', 'ada tablet', false],
      ['paired', 'ada phone', true],
    ]);

    const trail = value(await c.core.deviceEvents(accountId, {}));
    expect(trail.map((e) => [e.kind, e.device.name, e.by?.name ?? null, e.ip])).toEqual([
      ['removed', 'ada tablet', 'ada phone', '127.0.0.1'],
      ['paired', 'ada tablet', null, '127.0.0.1'],
      ['paired', 'ada phone', null, '127.0.0.1'],
      ['paired', 'ada laptop', null, '127.0.0.1'],
    ]);
    expect(trail[0]!.eventId).toBe(removed.eventId);
    // Paging: only what is older than the second entry.
    const older = value(await c.core.deviceEvents(accountId, { olderThan: trail[1]!.eventId, count: 1 }));
    expect(older.map((e) => e.device.name)).toEqual(['ada phone']);
  });

  it('dismissing a notice keeps it dismissed across a restart; the same event again changes nothing', async () => {
    await TestDevice.pair(server.url, (await server.admin.pair('ada')).code, 'ada phone');
    const notice = await waitFor('the paired notice', () => enrolments[0]);
    value(c.core.dismissDeviceNotice(accountId, notice.eventId));
    expect(c.core.deviceNotices()).toEqual([]);
    expect(c.core.dismissDeviceNotice(accountId, notice.eventId)).toMatchObject({
      ok: false,
      error: { code: 'NOT_FOUND' },
    });

    await c.core.stop();
    await c.core.start();
    expect(c.core.deviceNotices()).toEqual([]);
  });

  it("refuses to remove this desktop's own device that way, and changes nothing", async () => {
    const own = c.account!.deviceId;
    expect(await c.core.removeDevice(accountId, own)).toEqual({
      ok: false,
      error: { code: 'INVALID_INPUT', message: OWN_DEVICE_REMOVAL },
    });
    expect(await deviceIdsAtServer()).toEqual([own]);
    expect(await c.core.removeDevice('no-such-account', 5)).toMatchObject({ ok: false, error: { code: 'NOT_FOUND' } });
  });
});
