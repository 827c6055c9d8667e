// A device's network drop: the push connection is cut (socket terminated, then the network stays down for a while)
// with requests in flight; meanwhile other devices decide some, new ones arrive. When the network is back the
// device reconnects, its queue is exactly what the server still holds PENDING, and its decisions land.
import { afterEach, describe, expect, it } from 'vitest';
import { type OpenSessionResult, openSession } from '../../client/index.js';
import { type TestCore, startTestCore, waitConnected, waitFor } from '../support/core.js';
import { gatedWebSocket } from '../support/gated-websocket.js';
import type { TestDevice } from '../support/device.js';
import { describeWithKeychain } from '../core/keychain-session.js';
import { query } from './support/db.js';
import { type HardeningServer, startHardeningServer } from './support/server.js';
import { person, pushKey, report } from './support/world.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

interface Asked {
  uuid: string | null;
  result: Promise<OpenSessionResult>;
}

function ask(server: HardeningServer, apiKey: string, description: string): Asked {
  const progress: { uuid: string | null } = { uuid: null };
  const result = openSession({
    server: server.url,
    apiKey,
    description,
    onProgress: (p) => {
      progress.uuid ??= p.uuid;
    },
  });
  result.catch(() => {});
  return Object.assign(progress, { result });
}

async function uuidOf(asked: Asked): Promise<string> {
  return waitFor('the request to be PENDING', () => asked.uuid);
}

async function serverPending(server: HardeningServer): Promise<string[]> {
  return (await query<{ uuid: string }>(server.db, "SELECT uuid FROM session_requests WHERE status = 'PENDING'"))
    .map((row) => row.uuid)
    .sort();
}

async function hardeningServer(): Promise<HardeningServer> {
  const server = await startHardeningServer({ sessionRateLimit: 0 });
  cleanups.push(() => server.close());
  return server;
}

describe('a test device whose stream drops', () => {
  it('is sent every still-pending request on reconnect, nothing decided meanwhile, and its decisions land', async () => {
    const server = await hardeningServer();
    const [away, present] = (await person(server, 'ada', 2)).devices as [TestDevice, TestDevice];
    const keys = [await pushKey(server, 'ada', 'one'), await pushKey(server, 'ada', 'two')];
    let stream = await away.connect();
    await stream.next('hello');
    const before = [ask(server, keys[0]!.api_key, 'a'), ask(server, keys[1]!.api_key, 'b')];
    await stream.next('approval.requested');
    await stream.next('approval.requested');

    stream.socket.terminate();
    await stream.closed;
    expect((await present.decide(await uuidOf(before[0]!), { decision: 'APPROVE' })).status).toBe(200);
    const meanwhile = ask(server, keys[0]!.api_key, 'c');
    const meanwhileUuid = await uuidOf(meanwhile);

    stream = await away.connect();
    cleanups.push(() => stream.close());
    await stream.next('hello');
    const resent = [(await stream.next('approval.requested')).request.uuid];
    resent.push((await stream.next('approval.requested')).request.uuid);
    expect(resent.sort()).toEqual(await serverPending(server));
    expect(resent).toContain(meanwhileUuid);
    expect(resent).not.toContain(before[0]!.uuid);

    expect((await away.decide(await uuidOf(before[1]!), { decision: 'APPROVE' })).status).toBe(200);
    expect((await away.decide(meanwhileUuid, { decision: 'BLOCK' })).status).toBe(200);
    expect((await before[0]!.result).status).toBe('ACCEPTED');
    expect((await before[1]!.result).status).toBe('ACCEPTED');
    expect((await meanwhile.result).status).toBe('REJECTED');
    // Nothing was sent twice on the new stream.
    expect(stream.received.filter((m) => m.type === 'approval.requested')).toHaveLength(2);
  });
});

describeWithKeychain(`the approver core across network drops`, () => {
  it('four drops with requests in flight: after each, the queue equals the server’s pending set and every decision lands', async () => {
    const server = await hardeningServer();
    const [present] = (await person(server, 'ada')).devices as [TestDevice];
    const keys = [];
    for (let k = 0; k < 4; k++) keys.push(await pushKey(server, 'ada', `key ${k}`));
    const { gate, WebSocket: Gated } = gatedWebSocket();
    const c: TestCore = await startTestCore({
      user: 'ada',
      issuer: { pair: (user) => server.admin.pair(user, server.url) },
      backoff: { baseMs: 50, capMs: 300 },
      WebSocket: Gated,
    });
    cleanups.push(() => c.close());
    const accountId = c.account!.id;
    const closedElsewhere: string[] = [];
    c.core.on('approval:closed', (info) => {
      if (info.by === 'elsewhere') closedElsewhere.push(info.uuid);
    });

    const figures = { drops: 0, requests: 0, decided_elsewhere_while_away: 0, arrived_while_away: 0, lost: 0 };
    const all: { asked: Asked; expected: 'ACCEPTED' | 'REJECTED' }[] = [];
    for (let cycle = 0; cycle < 4; cycle++) {
      const inFlight = keys.map((key, k) => ask(server, key.api_key, `cycle ${cycle} request ${k}`));
      const uuids = await Promise.all(inFlight.map(uuidOf));
      await waitFor('the core to show the cycle’s requests', () =>
        uuids.every((uuid) => c.core.pending().some((p) => p.request.uuid === uuid)),
      );

      // The network drops: the socket dies and every reconnect attempt fails until the gate opens.
      gate.open = false;
      gate.sockets.at(-1)!.terminate();
      figures.drops += 1;
      await waitFor('the core to go offline', () => c.core.listAccounts()[0]?.connection.state === 'offline');
      // Meanwhile another device approves one and blocks one (a different key each cycle, so no key locks) …
      const approvedElsewhere = uuids[cycle % 4]!;
      const blockedElsewhere = uuids[(cycle + 1) % 4]!;
      expect((await present.decide(approvedElsewhere, { decision: 'APPROVE' })).status).toBe(200);
      expect((await present.decide(blockedElsewhere, { decision: 'BLOCK' })).status).toBe(200);
      figures.decided_elsewhere_while_away += 2;
      // … and two new requests arrive that the core cannot hear about.
      const arrived = [ask(server, keys[0]!.api_key, `cycle ${cycle} late a`), ask(server, keys[2]!.api_key, 'late b')];
      const arrivedUuids = await Promise.all(arrived.map(uuidOf));
      figures.arrived_while_away += 2;
      expect(c.core.pending().map((p) => p.request.uuid)).not.toContain(arrivedUuids[0]);

      gate.open = true;
      await waitConnected(c.core, accountId);
      const expectedQueue = await serverPending(server);
      await waitFor('the resync to match the server', () => {
        const queued = c.core
          .pending()
          .map((p) => p.request.uuid)
          .sort();
        return JSON.stringify(queued) === JSON.stringify(expectedQueue);
      });
      expect(closedElsewhere).toEqual(expect.arrayContaining([approvedElsewhere, blockedElsewhere]));

      // The returning desktop decides the rest: approvals only (blocks would lock the keys over the cycles).
      for (const uuid of expectedQueue) {
        const decided = await c.core.decide(accountId, uuid, { decision: 'APPROVE' });
        expect(decided).toEqual({
          ok: true,
          value: { outcome: 'decided', status: 'ACCEPTED', bindingMismatch: false },
        });
      }
      for (const [i, asked] of inFlight.entries()) {
        all.push({ asked, expected: uuids[i] === blockedElsewhere ? 'REJECTED' : 'ACCEPTED' });
      }
      for (const asked of arrived) all.push({ asked, expected: 'ACCEPTED' });
    }
    for (const { asked, expected } of all) {
      const result = await asked.result;
      if (result.status !== expected) figures.lost += 1;
      expect(result.status).toBe(expected);
    }
    figures.requests = all.length;
    expect(c.core.pending()).toEqual([]);
    expect(await serverPending(server)).toEqual([]);
    // The local history knows every request, with the final status.
    const history = new Map(c.core.localHistory({ accountId, limit: 1000 }).map((e) => [e.uuid, e.status]));
    for (const { asked, expected } of all) expect(history.get(asked.uuid!)).toBe(expected);
    report('network-drop', figures);
  }, 120_000);
});
