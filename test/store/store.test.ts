// The store on both dialects, through the one Kysely query layer: the same calls give the same rows on SQLite and
// PostgreSQL; a failed transaction changes nothing; read-then-write checks hold when many transactions race (on
// PostgreSQL, from separate connection pools, as separate server instances would); migrations run once.
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../server/store/open.js';
import type { Repositories, Store } from '../../server/store/types.js';
import { queryUrl } from '../support/postgres.js';
import { type Cleanups, freshDatabase } from './support/fresh-database.js';
import { newRequest } from './support/new-request.js';

interface Opened {
  db: string;
  open(): Promise<Store>;
}

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fresh(kind: 'sqlite' | 'postgres'): Promise<Opened> {
  const db = await freshDatabase(kind, cleanups);
  return {
    db,
    open: async () => {
      const store = await openStore(db);
      cleanups.push(() => store.close());
      return store;
    },
  };
}

/** One fixed sequence of writes and reads; returns everything it read, for comparing the two dialects. */
async function script(store: Store) {
  const t0 = 1_700_000_000_000;
  const user = await store.users.create('alice', t0);
  const key = await store.credentials.create({
    userId: user.id,
    name: 'deploy',
    keyHash: 'a'.repeat(64),
    mode: 'push',
    codeLength: 3,
    allowCodeFallback: true,
    created: t0,
    expiryTime: t0 + 1000,
  });
  await store.permittedIps.create(key.id, '192.0.2.7', 'ACTIVE', t0);
  await store.credentials.update(key.id, {
    status: 'ACTIVE',
    expiryTime: null,
    codeLength: 0,
    updated: t0 + 1,
  });
  const device = await store.devices.create({
    userId: user.id,
    name: 'laptop',
    platform: 'linux',
    publicKey: 'pk',
    created: t0,
  });
  const base = {
    credentialId: key.id,
    userId: user.id,
    description: 'ci job',
    ip: '198.51.100.1',
    ipKnown: false,
    userAgent: 'curl/8',
    geolocation: { country: 'NL', city: 'Amsterdam' } as never,
    observed: {
      country: 'US',
      region: 'California',
      city: 'Mountain View',
      latitude: 37.422000885009766,
      longitude: -122.08499908447266,
      asn: 15169,
      asnName: 'Google LLC',
      lookup: 'found' as const,
    },
    changes: [{ kind: 'new-country' as const, previous: 'NL', current: 'US' }],
    bindingCode: '042',
    bindingChoices: null,
    created: t0 + 10,
    expiryTime: t0 + 120_000,
    autoAccepted: false,
    tokenDelivered: false,
    sessionId: null,
  };
  await store.requests.create({ ...base, uuid: '00000000-0000-4000-8000-000000000001', status: 'PENDING' });
  await store.requests.create({ ...base, uuid: '00000000-0000-4000-8000-000000000002', status: 'PENDING' });
  const same = { ip: '198.51.100.1', description: 'ci job', userAgent: 'curl/8' };
  const mergeInto = await store.requests.pendingFrom(key.id, same, t0 + 11);
  await store.requests.countRepeat(mergeInto!.uuid);
  const noneFromElsewhere = [
    await store.requests.pendingFrom(key.id, { ...same, ip: '198.51.100.2' }, t0 + 11),
    await store.requests.pendingFrom(key.id, { ...same, description: null }, t0 + 11),
    await store.requests.pendingFrom(key.id, { ...same, userAgent: 'curl/9' }, t0 + 11),
  ];
  const decided = await store.requests.decide('00000000-0000-4000-8000-000000000001', {
    status: 'REJECTED',
    decidedAt: t0 + 20,
    deviceId: device.id,
    decision: 'BLOCK',
    trustIp: false,
    deactivateCredential: true,
    bindingMismatch: false,
    signature: 'sig',
  });
  const decidedTwice = await store.requests.decide('00000000-0000-4000-8000-000000000001', {
    status: 'ACCEPTED',
    decidedAt: t0 + 21,
    deviceId: device.id,
    decision: 'APPROVE',
    trustIp: true,
    deactivateCredential: false,
    bindingMismatch: false,
    signature: 'sig2',
  });
  const expired = await store.requests.expireDue(t0 + 200_000);
  const session = await store.sessions.create({
    tokenHash: 'b'.repeat(64),
    credentialId: key.id,
    userId: user.id,
    ip: '198.51.100.1',
    created: t0,
    expires: t0 + 3_600_000,
  });
  await store.sessions.endAllOfCredential(key.id, t0 + 5);
  await store.pairingCodes.create({
    codeHash: 'c'.repeat(64),
    userId: user.id,
    created: t0,
    expires: t0 + 600_000,
    invitedByDeviceId: null,
  });
  const outstanding = await store.pairingCodes.outstandingExpiries(user.id, t0);
  await store.pairingCodes.create({
    codeHash: 'd'.repeat(64),
    userId: user.id,
    created: t0,
    expires: t0 + 600_000,
    invitedByDeviceId: device.id,
  });
  await store.pairingCodes.expireIssuedBy(device.id, t0 + 3);
  const phone = await store.devices.create({
    userId: user.id,
    name: 'phone',
    platform: 'darwin',
    publicKey: 'pk2',
    created: t0 + 4,
  });
  const paired = await store.deviceEvents.record({
    userId: user.id,
    kind: 'paired',
    deviceId: phone.id,
    ip: '203.0.113.66',
    at: t0 + 4,
    byDeviceId: device.id,
  });
  const revokedOnce = await store.devices.revoke(device.id, t0 + 30);
  const revokedAgain = await store.devices.revoke(device.id, t0 + 31);
  await store.deviceEvents.record({
    userId: user.id,
    kind: 'removed',
    deviceId: device.id,
    ip: null,
    at: t0 + 30,
    byDeviceId: null,
  });
  return {
    merged: await store.requests.byUuid('00000000-0000-4000-8000-000000000001'),
    noneFromElsewhere,
    outstanding,
    outstandingAfterExpiry: await store.pairingCodes.outstandingExpiries(user.id, t0 + 3),
    consumedExpired: await store.pairingCodes.consume('d'.repeat(64), t0 + 3),
    revokedOnce,
    revokedAgain,
    paired,
    events: await store.deviceEvents.listByUser({ userId: user.id, limit: 10 }),
    eventsOlder: await store.deviceEvents.listByUser({ userId: user.id, beforeId: paired.id + 1, limit: 10 }),
    eventsSince: (await store.deviceEvents.since(t0 + 5)).map((event) => event.kind),
    eventsAfter: (await store.deviceEvents.after(paired.id)).map((event) => event.kind),
    lastEventId: await store.deviceEvents.lastId(),
    held: await store.transaction((tx) => tx.users.hold(user.id)),
    key: await store.credentials.byId(key.id),
    byHash: await store.credentials.byKeyHash('a'.repeat(64)),
    list: await store.credentials.listByUser(user.id),
    ips: await store.permittedIps.listByCredential(key.id),
    decided,
    decidedTwice,
    expired: expired.map((r) => r.uuid),
    history: await store.requests.history({ userId: user.id, limit: 10 }),
    historyFiltered: await store.requests.history({ userId: user.id, status: 'EXPIRED', limit: 10 }),
    blocks: await store.requests.countBlocks(key.id, 0),
    pending: await store.requests.countPending(key.id, t0),
    changedSince: (await store.requests.changedSince(t0 + 15)).map((r) => r.uuid),
    session: await store.sessions.byId(session.id),
    consumed: await store.pairingCodes.consume('c'.repeat(64), t0 + 1),
    consumedTwice: await store.pairingCodes.consume('c'.repeat(64), t0 + 2),
    remembered: [
      await store.seenSignatures.remember(device.id, Buffer.alloc(64, 7), t0),
      await store.seenSignatures.remember(device.id, Buffer.alloc(64, 7), t0),
    ],
    steps: [
      await store.totp.spendStep(device.id, 56_666_666, t0),
      await store.totp.spendStep(device.id, 56_666_666, t0),
    ],
    revokedSince: await store.devices.revokedSince(t0 + 30),
    revokedLater: await store.devices.revokedSince(t0 + 31),
    devices: await store.devices.listByUser(user.id),
  };
}

describe('one query layer, two dialects', () => {
  it('gives the same rows on SQLite and PostgreSQL for the same calls', async () => {
    const sqlite = await (await fresh('sqlite')).open();
    const postgres = await (await fresh('postgres')).open();
    const fromSqlite = await script(sqlite);
    const fromPostgres = await script(postgres);
    expect(fromPostgres).toEqual(fromSqlite);
    // Spot checks that the shared result is the right one, not just the same on both.
    expect(fromSqlite.key).toMatchObject({ status: 'ACTIVE', codeLength: 0, allowCodeFallback: true });
    expect(fromSqlite.merged).toMatchObject({
      uuid: '00000000-0000-4000-8000-000000000001',
      repeatCount: 2,
      bindingCode: '042',
      observed: { country: 'US', city: 'Mountain View', asn: 15169, asnName: 'Google LLC', lookup: 'found' },
      changes: [{ kind: 'new-country', previous: 'NL', current: 'US' }],
    });
    expect(fromSqlite.noneFromElsewhere).toEqual([null, null, null]);
    expect(fromSqlite.key?.permittedIpCount).toBe(1);
    expect(fromSqlite.decided).toBe(true);
    expect(fromSqlite.decidedTwice).toBe(false);
    expect(fromSqlite.expired).toEqual(['00000000-0000-4000-8000-000000000002']);
    expect(fromSqlite.history[1]).toMatchObject({
      deactivateCredential: true,
      geolocation: { country: 'NL', city: 'Amsterdam' },
      bindingChoices: null,
      observed: { latitude: 37.422000885009766, longitude: -122.08499908447266 },
    });
    expect(typeof fromPostgres.history[0]?.created).toBe('number');
    expect(fromSqlite.blocks).toBe(1);
    expect(fromSqlite.consumedTwice).toBeNull();
    expect(fromSqlite.remembered).toEqual([true, false]);
    expect(fromSqlite.steps).toEqual([true, false]);
    expect(fromSqlite.revokedSince).toHaveLength(1);
    expect(fromSqlite.revokedLater).toEqual([]);
    expect(fromSqlite.session?.ended).toBe(1_700_000_000_005);
    expect(fromSqlite.outstanding).toEqual([1_700_000_600_000]);
    expect(fromSqlite.outstandingAfterExpiry).toEqual([1_700_000_600_000]);
    expect(fromSqlite.consumedExpired).toBeNull();
    expect([fromSqlite.revokedOnce, fromSqlite.revokedAgain]).toEqual([true, false]);
    expect(fromSqlite.paired).toMatchObject({
      kind: 'paired',
      deviceName: 'phone',
      platform: 'darwin',
      ip: '203.0.113.66',
      byDeviceName: 'laptop',
    });
    expect(fromSqlite.events.map((event) => [event.kind, event.deviceName, event.byDeviceName])).toEqual([
      ['removed', 'laptop', null],
      ['paired', 'phone', 'laptop'],
    ]);
    expect(fromSqlite.eventsOlder).toEqual([fromSqlite.paired]);
    expect(fromSqlite.eventsSince).toEqual(['removed']);
    expect(fromSqlite.eventsAfter).toEqual(['removed']);
    expect(fromSqlite.lastEventId).toBe(fromSqlite.events[0]?.id);
    expect(fromSqlite.held?.name).toBeDefined();
  });
});

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`${kind} store`, () => {
    it('prepared queries take each call its own values, and each set of changed columns its own UPDATE', async () => {
      const store = await (await fresh(kind)).open();
      const user = await store.users.create('erin', 1);
      const make = (n: number) =>
        store.credentials.create({
          userId: user.id,
          name: `key-${n}`,
          keyHash: String(n).repeat(64),
          mode: 'push',
          codeLength: 0,
          created: n,
          expiryTime: n + 1,
        });
      const [one, two] = [await make(1), await make(2)];
      await store.credentials.update(one.id, { name: 'renamed', updated: 10 });
      await store.credentials.update(two.id, { status: 'ACTIVE', updated: 20 });
      await store.credentials.update(two.id, { name: undefined, codeLength: 4, updated: 30 });
      expect(await store.credentials.byId(one.id)).toMatchObject({ name: 'renamed', status: 'PENDING_FIRST_USE' });
      expect(await store.credentials.byId(two.id)).toMatchObject({
        name: 'key-2',
        status: 'ACTIVE',
        codeLength: 4,
        updated: 30,
      });
      expect((await store.credentials.byKeyHash('2'.repeat(64)))?.id).toBe(two.id);
      expect(await store.credentials.byKeyHash('3'.repeat(64))).toBeNull();
    });

    it('takes a plain approval in one conditional write, and merges no repeat into a decided request', async () => {
      const store = await (await fresh(kind)).open();
      const alice = await store.users.create('alice', 1);
      const bob = await store.users.create('bob', 1);
      const key = await store.credentials.create({
        userId: alice.id,
        name: 'deploy',
        keyHash: 'e'.repeat(64),
        mode: 'push',
        codeLength: 2,
        created: 1,
        expiryTime: 2,
      });
      const device = await store.devices.create({
        userId: alice.id,
        name: 'laptop',
        platform: 'linux',
        publicKey: 'pk',
        created: 1,
      });
      const request = await store.requests.create({
        uuid: '00000000-0000-4000-8000-00000000000a',
        credentialId: key.id,
        userId: alice.id,
        status: 'PENDING',
        description: null,
        ip: '198.51.100.1',
        ipKnown: false,
        userAgent: null,
        geolocation: null,
        observed: null,
        bindingCode: '42',
        bindingChoices: null,
        created: 10,
        expiryTime: 1_000,
        autoAccepted: false,
        tokenDelivered: false,
        sessionId: null,
      });
      const approval = (decidedAt: number) => ({ decidedAt, deviceId: device.id, signature: 'sig' });
      const accept = (userId: number, code: string | null, at: number) =>
        store.requests.acceptIfPending(request.uuid, userId, code, approval(at));
      // Not taken: another user's device, a wrong or missing code, past expiry. The request stays PENDING.
      expect(await accept(bob.id, '42', 20)).toBeNull();
      expect(await accept(alice.id, '41', 20)).toBeNull();
      expect(await accept(alice.id, null, 20)).toBeNull();
      expect(await accept(alice.id, '42', 1_000)).toBeNull();
      expect((await store.requests.byUuid(request.uuid))?.status).toBe('PENDING');
      expect(await store.requests.countRepeat(request.uuid)).toBe(true);
      const accepted = await accept(alice.id, '42', 20);
      expect(accepted).toMatchObject({
        status: 'ACCEPTED',
        decision: 'APPROVE',
        decidedAt: 20,
        decidedByDeviceId: device.id,
        repeatCount: 2,
        credentialName: 'deploy',
      });
      expect(accepted).toEqual(await store.requests.byUuid(request.uuid));
      expect(await accept(alice.id, '42', 21)).toBeNull();
      expect(await store.requests.countRepeat(request.uuid)).toBe(false);
    });

    it('rolls a failed transaction back completely', async () => {
      const store = await (await fresh(kind)).open();
      await expect(
        store.transaction(async (tx) => {
          await tx.users.create('bob', 1);
          throw new Error('refused half-way');
        }),
      ).rejects.toThrow('refused half-way');
      expect(await store.users.byName('bob')).toBeNull();
    });

    it('keeps a per-key limit when 12 transactions race for 3 places, each holding the key first', async () => {
      const target = await fresh(kind);
      // On PostgreSQL four stores = four pools, as four server instances would have. SQLite serves one instance:
      // its connections wait for each other's locks by blocking the thread, so one process keeps one connection.
      const stores =
        kind === 'postgres'
          ? await Promise.all([target.open(), target.open(), target.open(), target.open()])
          : [await target.open()];
      const user = await stores[0]!.users.create('carol', 1);
      const key = await stores[0]!.credentials.create({
        userId: user.id,
        name: 'k',
        keyHash: 'd'.repeat(64),
        mode: 'push',
        codeLength: 0,
        created: 1,
        expiryTime: 2,
      });
      // The pending-limit rule as the approval service runs it: hold the key, count, then insert.
      const takePlace = async (tx: Repositories, n: number) => {
        await tx.credentials.hold(key.id);
        if ((await tx.requests.countPending(key.id, 0)) >= 3) return false;
        await tx.requests.create(
          newRequest(n, { credentialId: key.id, userId: user.id, status: 'PENDING', created: 1, expiryTime: 1_000 }),
        );
        return true;
      };
      const results = await Promise.all(
        Array.from({ length: 12 }, (_, n) =>
          stores[n % stores.length]!.transaction((tx) => takePlace(tx, n)).catch((error: unknown) => error),
        ),
      );
      // Every transaction either took a place or saw none left; none failed.
      expect(results.filter((r) => r === true)).toHaveLength(3);
      expect(results.filter((r) => r === false)).toHaveLength(9);
      expect(await stores[0]!.requests.countPending(key.id, 0)).toBe(3);
    });

    it('migrates once and opens again without changes; a newer schema is refused', async () => {
      const target = await fresh(kind);
      const [a, b] = await Promise.all([target.open(), target.open()]);
      await a.users.create('dave', 1);
      expect((await b.users.byName('dave'))?.name).toBe('dave');
      if (kind === 'postgres') {
        await queryUrl(target.db, 'INSERT INTO countersign_schema (version, applied) VALUES (99, 0)');
      } else {
        const Database = (await import('better-sqlite3')).default;
        const raw = new Database(target.db);
        raw.pragma('user_version = 99');
        raw.close();
      }
      await expect(openStore(target.db)).rejects.toThrow(/schema version 99, newer than this server knows/);
    });
  });
}
