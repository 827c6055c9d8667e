// countersign-admin's recovery commands as real processes, beside a real countersign-server process on the same
// database (a SQLite file, or PostgreSQL in the server-postgres project): an operator whose user lost a device lists
// and removes it, and lists and deactivates the user's keys. The user's connected devices are told.
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StreamCloseCode } from '../../protocol/index.js';
import { collectOutput } from '../support/child-output.js';
import { TestDevice, type TestStream } from '../support/device.js';
import { testStoreKind } from '../support/postgres.js';
import { ADMIN_BIN, createTestDb, type ServerProcess, startServerProcess, type TestDb } from '../support/server.js';
import { attempt, errorText, pendingAttempt, readStatusOk } from './helpers.js';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

let database: TestDb;
let server: ServerProcess;
const streams: TestStream[] = [];

/** countersign-admin --db DB ARGS…, run to completion. */
function admin(...args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ADMIN_BIN, '--db', database.db, ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = collectOutput(child);
    child.once('error', reject);
    child.once('close', (code) => resolve({ code, ...output }));
  });
}

async function adminJson<T>(...args: string[]): Promise<T> {
  const result = await admin(...args);
  expect(result.code, `${args.join(' ')}: ${result.stderr}`).toBe(0);
  expect(result.stdout.trim().split('\n')).toHaveLength(1);
  return JSON.parse(result.stdout) as T;
}

/** A device of the user paired with a code from countersign-admin pair, its stream open. */
async function pairedDevice(user: string, name: string) {
  const { code } = await adminJson<{ code: string }>('pair', '--user', user, '--server', server.url);
  const device = await TestDevice.pair(server.url, code, name);
  const stream = await device.connect();
  streams.push(stream);
  await stream.next('hello');
  return { device, stream };
}

beforeEach(async () => {
  database = await createTestDb();
  server = await startServerProcess({ db: database.db, totpKey: database.totpKey });
  await adminJson('user', 'create', 'alice');
});
afterEach(async () => {
  for (const stream of streams.splice(0)) await stream.close();
  await server.stop('SIGKILL');
  await database.remove();
});

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;

describe('countersign-admin device', () => {
  it('lists the devices, removes one: its stream closes with 4401 and the other device is told', async () => {
    const laptop = await pairedDevice('alice', 'alice-laptop');
    const phone = await pairedDevice('alice', 'alice-phone');

    const listed = await adminJson('device', 'list', '--user', 'alice');
    expect(listed).toEqual({
      user: { id: laptop.device.userId, name: 'alice' },
      devices: [
        {
          id: laptop.device.id,
          name: 'alice-laptop',
          platform: 'linux',
          created: expect.stringMatching(ISO),
          last_seen: expect.stringMatching(ISO),
        },
        {
          id: phone.device.id,
          name: 'alice-phone',
          platform: 'linux',
          created: expect.stringMatching(ISO),
          last_seen: expect.stringMatching(ISO),
        },
      ],
    });

    const removed = await adminJson('device', 'remove', '--user', 'alice', '--device', String(phone.device.id));
    expect(removed).toEqual({
      id: phone.device.id,
      name: 'alice-phone',
      platform: 'linux',
      removed_at: expect.stringMatching(ISO),
    });
    expect(await phone.stream.closed).toEqual({
      code: StreamCloseCode.DEVICE_REVOKED,
      reason: 'This device was removed.',
    });
    expect(await laptop.stream.next('device.removed')).toEqual({
      type: 'device.removed',
      event_id: expect.any(Number),
      device: { id: phone.device.id, name: 'alice-phone', platform: 'linux' },
      removed_by: null,
      ip: null,
      at: (removed as { removed_at: string }).removed_at,
    });
    // The removed device can no longer act, and the list no longer shows it.
    expect((await phone.device.request('GET', `/v1/user/${phone.device.userId}/approver-device`)).status).toBe(401);
    expect(await adminJson('device', 'list', '--user', 'alice')).toMatchObject({
      devices: [{ id: laptop.device.id }],
    });
  });
});

describe('countersign-admin key', () => {
  it('lists the keys and deactivates one: no more sessions, its pending request is refused', async () => {
    const laptop = await pairedDevice('alice', 'alice-laptop');
    const key = await adminJson<{ id: number; api_key: string }>(
      ...['key', 'create', '--user', 'alice', '--name', 'deploy', '--mode', 'push'],
    );
    expect(await adminJson('key', 'list', '--user', 'alice')).toEqual({
      user: { id: laptop.device.userId, name: 'alice' },
      keys: [expect.objectContaining({ id: key.id, name: 'deploy', mode: 'push', status: 'PENDING_FIRST_USE' })],
    });
    const serverRef = { url: server.url } as Parameters<typeof attempt>[0];
    const pending = await pendingAttempt(serverRef, key.api_key);
    await laptop.stream.next('approval.requested');

    const deactivated = await adminJson('key', 'deactivate', '--key', String(key.id));
    expect(deactivated).toMatchObject({ id: key.id, name: 'deploy', status: 'INACTIVE', token_value: null });
    // Again: nothing changes, the same key is printed.
    expect(await adminJson('key', 'deactivate', '--key', String(key.id))).toEqual(deactivated);
    expect((await readStatusOk(serverRef, pending.uuid, key.api_key)).Response[0].SessionServerRequest.status).toBe(
      'REJECTED',
    );
    const again = await attempt(serverRef, key.api_key);
    expect(again.status).toBe(401);
    if (testStoreKind() === 'postgres') {
      // Through NOTIFY: the server instance's stream hears the refusal at once. (A SQLite server is told nothing by
      // another process about requests; the device sees the request decided when it acts on it or it expires.)
      expect(await laptop.stream.next('approval.resolved')).toEqual({
        type: 'approval.resolved',
        uuid: pending.uuid,
        status: 'REJECTED',
      });
    }
    expect(errorText(again)).toMatch(/incorrect/);
  });
});

describe('countersign-admin recovery mistakes', () => {
  it('explains each on stderr and exits 1, changing nothing', async () => {
    await adminJson('user', 'create', 'bob');
    const bobs = await pairedDevice('bob', 'bob-laptop');
    const alices = await pairedDevice('alice', 'alice-laptop');
    const spare = await pairedDevice('alice', 'alice-spare');
    expect((await admin('device', 'remove', '--user', 'alice', '--device', String(spare.device.id))).code).toBe(0);
    const cases: [string[], RegExp][] = [
      [['device', 'list', '--user', 'carol'], /No user named "carol"/],
      [['device', 'list'], /--user NAME is required/],
      [['device', 'remove', '--user', 'alice'], /--device ID is required/],
      [
        ['device', 'remove', '--user', 'alice', '--device', 'abc'],
        /--device must be a device id, a positive whole number \(got "abc"\)/,
      ],
      [['device', 'remove', '--user', 'alice', '--device', '999'], /User "alice" has no device 999/],
      [['device', 'remove', '--user', 'alice', '--device', String(bobs.device.id)], /User "alice" has no device/],
      [['device', 'remove', '--user', 'alice', '--device', String(spare.device.id)], /was already removed at /],
      [['device', 'forget', '--user', 'alice'], /Unknown command "device forget"/],
      [['key', 'list', '--user', 'carol'], /No user named "carol"/],
      [['key', 'deactivate'], /--key ID is required/],
      [['key', 'deactivate', '--key', '0'], /--key must be a key id/],
      [['key', 'deactivate', '--key', '999'], /No key with id 999/],
    ];
    // Side by side: none of them changes anything, and one process start each is slow on a busy machine.
    const results = await Promise.all(cases.map(([args]) => admin(...args)));
    for (const [index, [args, message]] of cases.entries()) {
      const result = results[index]!;
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stdout).toBe('');
      expect(result.stderr).toMatch(message);
    }
    // Nothing changed: both remaining devices still act, their streams are open.
    for (const { device } of [bobs, alices]) {
      expect((await device.request('GET', `/v1/user/${device.userId}/approver-device`)).status).toBe(200);
    }
    expect(await adminJson('device', 'list', '--user', 'bob')).toMatchObject({ devices: [{ id: bobs.device.id }] });
  });
});
