// Two instances (store + PostgresHub + services) on one real PostgreSQL database: what one publishes reaches the
// other's streams and long-polls, the other reads nothing for users it does not serve, and the notices on the wire
// carry ids only, far below NOTIFY's 8 000-byte limit.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDeviceKeyPair } from '../../protocol/crypto.js';
import { approvalRequestView } from '../../server/views/wire.js';
import { encodeNotice, NOTICE_MAX_BYTES, newInstanceId } from '../../server/push/notice.js';
import { DEFAULT_CHANNEL } from '../../server/push/postgres-hub.js';
import { createTestDatabase, type TestDatabase } from '../support/postgres.js';
import {
  addDevice,
  ask,
  type Instance,
  listenBackends,
  RecordingStream,
  requested,
  resolved,
  seedUser,
  startInstance,
} from './support/instances.js';

/** NOTIFY refuses a payload of 8 000 bytes or more. */
const NOTIFY_LIMIT = 8000;

/** Every payload on the channel, seen by a plain LISTEN connection of the test's own. */
async function recordChannel(url: string) {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  const payloads: string[] = [];
  client.on('notification', (message) => {
    if (message.payload !== undefined) payloads.push(message.payload);
  });
  await client.query(`LISTEN ${DEFAULT_CHANNEL}`);
  return {
    payloads,
    async waitFor(match: (payload: string) => boolean, count = 1) {
      for (let tries = 0; tries < 300; tries += 1) {
        if (payloads.filter(match).length >= count) return;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      throw new Error(`the channel did not carry ${count} matching notices; it carried ${JSON.stringify(payloads)}`);
    },
    close: () => client.end(),
  };
}

async function waitUntil(condition: () => boolean, what: string): Promise<void> {
  for (let tries = 0; tries < 300; tries += 1) {
    if (condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`timed out waiting until ${what}`);
}

describe('PostgresHub: two instances on one database', () => {
  let db: TestDatabase;
  let a: Instance;
  let b: Instance;
  let channel: Awaited<ReturnType<typeof recordChannel>>;

  beforeAll(async () => {
    db = await createTestDatabase();
    a = await startInstance(db.url);
    b = await startInstance(db.url);
    channel = await recordChannel(db.url);
  });

  afterAll(async () => {
    await channel?.close();
    await a?.close();
    await b?.close();
    await db?.drop();
  });

  it('a stream on B gets the request asked on A and its resolution; a long-poll on B wakes on the decision on A', async () => {
    const alice = await seedUser(a, 'alice');
    const stream = new RecordingStream(alice.device.row.id, alice.user.id);
    b.hub.attach(stream);
    try {
      const request = await ask(a, alice.apiKey, 'nightly backup');
      const shown = await stream.waitFor(requested(request.uuid));
      // Rendered on B from the row, exactly as A's own streams get it.
      expect(shown).toEqual({ type: 'approval.requested', request: approvalRequestView(request) });

      // The requester long-polls on B for an hour: only a wake from A can end it within the test.
      const reader = { apiKey: alice.apiKey, claimHash: null, ip: '127.0.0.1' };
      const poll = b.services.approvals.readStatus(request.uuid, reader, 3600, new AbortController().signal);
      await waitUntil(() => b.hub.stats().waitedRequests === 1, 'the long-poll waits on B');
      const outcome = await a.services.approvals.decide(
        alice.device.call(),
        request.uuid,
        alice.device.decision(request.uuid, { decision: 'APPROVE' }),
      );
      expect(outcome.status).toBe('ACCEPTED');

      const read = await poll;
      expect(read.request.status).toBe('ACCEPTED');
      expect(read.opened?.token).toMatch(/.+/);
      expect(await stream.waitFor(resolved(request.uuid))).toEqual({
        type: 'approval.resolved',
        uuid: request.uuid,
        status: 'ACCEPTED',
      });
      // A's own publish is not delivered twice on A (an instance skips its own notices).
      const onA = new RecordingStream(alice.device.row.id, alice.user.id);
      a.hub.attach(onA);
      const second = await ask(a, alice.apiKey, 'second');
      await stream.waitFor(requested(second.uuid));
      await channel.waitFor((payload) => payload.includes(second.uuid));
      expect(onA.received.filter(requested(second.uuid))).toHaveLength(1);
      a.hub.detach(onA);
    } finally {
      b.hub.detach(stream);
    }
  });

  it('a long-poll on B that begins to wait just after the wake from A is not left sleeping', async () => {
    const ivy = await seedUser(a, 'ivy');
    const stream = new RecordingStream(ivy.device.row.id, ivy.user.id);
    b.hub.attach(stream);
    try {
      const request = await ask(a, ivy.apiKey);
      // The requester on B has read the row (PENDING)...
      expect((await b.store.requests.byUuid(request.uuid))?.status).toBe('PENDING');
      // ...the decision on A commits and its notice reaches B (B's stream shows it)...
      await a.services.approvals.decide(
        ivy.device.call(),
        request.uuid,
        ivy.device.decision(request.uuid, { decision: 'APPROVE' }),
      );
      await stream.waitFor(resolved(request.uuid));
      // ...and only then does the requester begin its hour-long wait: it must return to read the row again.
      await b.hub.waitForRequest(request.uuid, 3_600_000, new AbortController().signal);
    } finally {
      b.hub.detach(stream);
    }
  });

  it('B reads no row and sends nothing for a user it has no stream for', async () => {
    const carol = await seedUser(a, 'carol');
    const carolStream = new RecordingStream(carol.device.row.id, carol.user.id);
    b.hub.attach(carolStream);
    try {
      // Dave has no stream on B: three requests, three blocks (the key locks), a removed device.
      const dave = await seedUser(a, 'dave');
      const spare = await addDevice(a, dave.user.id, 'dave-spare');
      const uuids: string[] = [];
      for (let n = 0; n < 3; n += 1) {
        const request = await ask(a, dave.apiKey);
        uuids.push(request.uuid);
        await a.services.approvals.decide(
          dave.device.call(),
          request.uuid,
          dave.device.decision(request.uuid, { decision: 'BLOCK' }),
        );
      }
      expect((await a.store.credentials.byId(dave.credential.id))?.status).toBe('LOCKED');
      await a.services.devices.revoke(dave.device.row, spare.row.id, '127.0.0.1');
      // B has received all of them (one LISTEN connection delivers in commit order, like this one)...
      await channel.waitFor(
        (payload) => payload.includes('"kind":"locked"') && payload.includes(`"user":${dave.user.id}`),
      );
      await channel.waitFor((payload) => payload.includes(`"device":${spare.row.id}`));
      // ...and, behind them, one for carol, which B does serve.
      const marker = await ask(a, carol.apiKey);
      await carolStream.waitFor(requested(marker.uuid));

      for (const uuid of uuids) expect(b.hubReads.requestUuids).not.toContain(uuid);
      expect(b.hubReads.credentialIds).not.toContain(dave.credential.id);
      expect(b.hubReads.requestUuids).toContain(marker.uuid);
      expect(carolStream.received.map((message) => JSON.stringify(message)).join()).not.toMatch(
        new RegExp(uuids.join('|')),
      );
      expect(carolStream.received.filter((message) => message.type === 'credential.locked')).toEqual([]);
    } finally {
      b.hub.detach(carolStream);
    }
  });

  it('a lock on A reaches the owner on B with the key name read from the row', async () => {
    const erin = await seedUser(a, 'erin');
    const stream = new RecordingStream(erin.device.row.id, erin.user.id);
    b.hub.attach(stream);
    try {
      for (let n = 0; n < 3; n += 1) {
        const request = await ask(a, erin.apiKey);
        await a.services.approvals.decide(
          erin.device.call(),
          request.uuid,
          erin.device.decision(request.uuid, { decision: 'BLOCK' }),
        );
        await stream.waitFor(resolved(request.uuid));
      }
      const locked = await stream.waitFor((message) => message.type === 'credential.locked');
      expect(locked).toMatchObject({ credential: { id: erin.credential.id, name: "erin's key" } });
      expect(locked).toHaveProperty('reason', expect.stringMatching(/^Locked after 3 blocked session requests/));
    } finally {
      b.hub.detach(stream);
    }
  });

  it("a device removed on A loses its stream on B (4401); the user's other stream stays", async () => {
    const frank = await seedUser(a, 'frank');
    const phone = await addDevice(a, frank.user.id, 'frank-phone');
    const laptopStream = new RecordingStream(frank.device.row.id, frank.user.id);
    const phoneStream = new RecordingStream(phone.row.id, frank.user.id);
    b.hub.attach(laptopStream);
    b.hub.attach(phoneStream);
    try {
      await a.services.devices.revoke(frank.device.row, phone.row.id, '127.0.0.1');
      expect(await phoneStream.waitForClose()).toEqual({ code: 4401, reason: 'This device was removed.' });
      // The other device is told, from the audit trail's row; the removed one is not sent the news about itself.
      expect(await laptopStream.waitFor((message) => message.type === 'device.removed')).toEqual({
        type: 'device.removed',
        event_id: expect.any(Number),
        device: { id: phone.row.id, name: 'frank-phone', platform: 'linux' },
        removed_by: { device_id: frank.device.row.id, name: 'frank-laptop' },
        ip: '127.0.0.1',
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
      });
      expect(phoneStream.received.filter((message) => message.type === 'device.removed')).toEqual([]);
      const request = await ask(a, frank.apiKey);
      await laptopStream.waitFor(requested(request.uuid));
      expect(laptopStream.closedWith).toBeNull();
    } finally {
      b.hub.detach(laptopStream);
      b.hub.detach(phoneStream);
    }
  });

  it("a removal closes the device's stream on B through the removal's own COMMIT, not a NOTIFY sent after it", async () => {
    // C's connection for NOTIFYs sent on their own leads nowhere: only what rides C's COMMIT can reach B (as when
    // an instance dies between its commit and a later send).
    const c = await startInstance(db.url, {
      listen: false,
      connectionString: 'postgres://countersign@127.0.0.1:9/none',
    });
    const kim = await seedUser(c, 'kim');
    const phone = await addDevice(c, kim.user.id, 'kim-phone');
    const phoneStream = new RecordingStream(phone.row.id, kim.user.id);
    b.hub.attach(phoneStream);
    try {
      await c.services.devices.revoke(kim.device.row, phone.row.id, '127.0.0.1');
      expect(await phoneStream.waitForClose()).toEqual({ code: 4401, reason: 'This device was removed.' });
    } finally {
      b.hub.detach(phoneStream);
      await c.close();
    }
  });

  it('a device paired on A with an invite from the laptop is told to the laptop streaming on B', async () => {
    const june = await seedUser(a, 'june');
    const stream = new RecordingStream(june.device.row.id, june.user.id);
    b.hub.attach(stream);
    try {
      const invite = await a.services.pairing.issue(june.user.id, june.device.row.id);
      const paired = await a.services.pairing.pair({
        pairingCode: invite.code,
        publicKey: generateDeviceKeyPair().publicKey,
        name: 'june-new-phone',
        platform: 'darwin',
        ip: '203.0.113.66',
      });
      expect(await stream.waitFor((message) => message.type === 'device.paired')).toEqual({
        type: 'device.paired',
        event_id: expect.any(Number),
        device: { id: paired.device.id, name: 'june-new-phone', platform: 'darwin' },
        ip: '203.0.113.66',
        at: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
        invited_by: { device_id: june.device.row.id, name: 'june-laptop' },
      });
    } finally {
      b.hub.detach(stream);
    }
  });

  it('a publish-only hub (countersign-admin) opens no LISTEN connection, and what it publishes before close() reaches B', async () => {
    const gina = await seedUser(a, 'gina');
    const stream = new RecordingStream(gina.device.row.id, gina.user.id);
    b.hub.attach(stream);
    const admin = await startInstance(db.url, { listen: false });
    try {
      expect(await listenBackends(admin)).toEqual([]);
      const pending = [await ask(a, gina.apiKey), await ask(a, gina.apiKey)];
      for (const request of pending) await stream.waitFor(requested(request.uuid));
      // The admin deactivates the key and exits at once: close() still sends what was published.
      await admin.services.credentials.update(gina.user.id, gina.credential.id, { status: 'INACTIVE' });
      await admin.close();
      for (const request of pending) {
        expect(await stream.waitFor(resolved(request.uuid))).toMatchObject({ status: 'REJECTED' });
      }
    } finally {
      b.hub.detach(stream);
      await admin.close();
    }
  });

  it('every notice on the wire names ids only and stays far below the 8 000-byte NOTIFY limit', async () => {
    expect(channel.payloads.length).toBeGreaterThan(10);
    const kinds = new Set(channel.payloads.map((payload) => (JSON.parse(payload) as { kind: string }).kind));
    expect([...kinds].sort()).toEqual(['device', 'disconnect', 'locked', 'requested', 'resolved']);
    for (const payload of channel.payloads) {
      expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(NOTICE_MAX_BYTES);
      // No row content: not the description, the requester's IP or user agent, nor a key name.
      expect(payload).not.toMatch(/deploy job|nightly backup|127\.0\.0\.1|scale-out-test|'s key/);
    }

    // The worst case of each kind: the largest ids, and texts far longer than the server ever makes.
    const from = newInstanceId();
    const id = Number.MAX_SAFE_INTEGER;
    const uuid = 'ffffffff-ffff-4fff-bfff-ffffffffffff';
    const long = '\u{1F512}'.repeat(5000);
    const worst = [
      encodeNotice(from, { kind: 'requested', user: id, uuid }),
      encodeNotice(from, { kind: 'resolved', user: id, uuid }),
      encodeNotice(from, { kind: 'wake', uuid }),
      encodeNotice(from, { kind: 'locked', user: id, credential: id, reason: long, sessions: id }),
      encodeNotice(from, { kind: 'disconnect', device: id, code: 4401, reason: long }),
      encodeNotice(from, { kind: 'device', user: id, event: id }),
    ];
    for (const payload of worst) {
      expect(Buffer.byteLength(payload)).toBeLessThanOrEqual(NOTICE_MAX_BYTES);
      expect(Buffer.byteLength(payload)).toBeLessThan(NOTIFY_LIMIT);
    }
  });

  // Last: it puts payloads on the channel that are not the hub's own.
  it('ignores (and logs) a notice that is not one of ours, even one asking for an impossible close code', async () => {
    const hank = await seedUser(a, 'hank');
    const stream = new RecordingStream(hank.device.row.id, hank.user.id);
    b.hub.attach(stream);
    try {
      const sender = new pg.Client({ connectionString: db.url });
      await sender.connect();
      const forged = [
        'not json',
        JSON.stringify({
          from: 'f'.repeat(16),
          kind: 'disconnect',
          device: hank.device.row.id,
          code: 1005,
          reason: '',
        }),
        JSON.stringify({ from: 'f'.repeat(16), kind: 'requested', user: hank.user.id, uuid: 'not-a-uuid' }),
      ];
      for (const payload of forged) await sender.query('SELECT pg_notify($1, $2)', [DEFAULT_CHANNEL, payload]);
      await sender.end();
      const request = await ask(a, hank.apiKey);
      await stream.waitFor(requested(request.uuid));
      expect(stream.closedWith).toBeNull();
      expect(b.log.filter((entry) => entry.msg.includes('not one of ours'))).toHaveLength(forged.length);
    } finally {
      b.hub.detach(stream);
    }
  });
});
