// Forgery and replay: decisions that do not come, unaltered and fresh, from a device of the request's owner are
// refused with the fitting 4xx and change nothing; the genuine decision still lands afterwards. Every refusal is
// counted by kind.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorText, Header, SessionServerRequestRead } from '../../protocol/index.js';
import { type TestDevice, UpgradeRefused } from '../support/device.js';
import { http } from '../support/server.js';
import { snapshot, snapshotDifference } from './support/db.js';
import { type HardeningServer, startHardeningServer } from './support/server.js';
import {
  errorText,
  pendingRequest,
  pendingUuid,
  person,
  pushKey,
  readRequest,
  report,
  Tally,
} from './support/world.js';

const ROUNDS = 10;
const decisionPath = (uuid: string) => `/v1/session-server-request/${uuid}/decision`;

let server: HardeningServer;
let alice: TestDevice;
let aliceOther: TestDevice;
let mallory: TestDevice;
const refused = new Tally();

beforeAll(async () => {
  // Hundreds of refused device calls from one address: the per-address limit on failed device authentications is
  // not under test here (device-auth-limit.test.ts tests it).
  server = await startHardeningServer({ deviceAuthFailureLimit: Number.MAX_SAFE_INTEGER });
  [alice, aliceOther] = (await person(server, 'alice', 2)).devices as [TestDevice, TestDevice];
  [mallory] = (await person(server, 'mallory')).devices as [TestDevice];
});
afterAll(async () => {
  report('forgery-and-replay', { refused: refused.toJSON(), total: refused.total });
  await server.close();
});

/** A forged or replayed call and what the server must answer. */
interface Forgery {
  kind: string;
  status: number;
  text?: string | RegExp;
  send(uuid: string, otherUuid: string): Promise<{ status: number; json: unknown; text: string }>;
}

/** Sends a decision body with exactly the given device headers (no fresh signing). */
function sendRaw(uuid: string, headers: Record<string, string>, body: unknown) {
  return http(`${server.url}${decisionPath(uuid)}`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'application/json' },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
}

function approveBody(device: TestDevice, uuid: string) {
  return { decision: 'APPROVE' as const, signature: device.signDecision(uuid, { decision: 'APPROVE' }) };
}

const forgeries: Forgery[] = [
  {
    kind: 'signed by another device of the same user (wrong key for the device id)',
    status: 401,
    text: ErrorText.DEVICE_AUTH_FAILED,
    send: (uuid) => {
      const body = JSON.stringify(approveBody(aliceOther, uuid));
      const headers = { ...aliceOther.sign('POST', decisionPath(uuid), body), [Header.DEVICE]: String(alice.id) };
      return sendRaw(uuid, headers, body);
    },
  },
  {
    kind: "another user's device",
    status: 404,
    text: ErrorText.NOT_FOUND,
    send: (uuid) => mallory.decide(uuid, { decision: 'APPROVE' }),
  },
  {
    kind: 'stale timestamp (61 s old)',
    status: 401,
    text: ErrorText.STALE_TIMESTAMP,
    send: (uuid) =>
      alice.request('POST', decisionPath(uuid), approveBody(alice, uuid), { timestamp: Date.now() - 61_000 }),
  },
  {
    kind: 'future timestamp (61 s ahead)',
    status: 401,
    text: ErrorText.STALE_TIMESTAMP,
    send: (uuid) =>
      alice.request('POST', decisionPath(uuid), approveBody(alice, uuid), { timestamp: Date.now() + 61_000 }),
  },
  {
    kind: 'body tampered after signing',
    status: 401,
    text: ErrorText.DEVICE_AUTH_FAILED,
    send: (uuid) => {
      const signed = JSON.stringify({ decision: 'BLOCK', signature: alice.signDecision(uuid, { decision: 'BLOCK' }) });
      return sendRaw(uuid, alice.sign('POST', decisionPath(uuid), signed), approveBody(alice, uuid));
    },
  },
  {
    kind: 'request signature made for a different uuid',
    status: 401,
    text: ErrorText.DEVICE_AUTH_FAILED,
    send: (uuid, otherUuid) => {
      const body = JSON.stringify(approveBody(alice, uuid));
      return sendRaw(uuid, alice.sign('POST', decisionPath(otherUuid), body), body);
    },
  },
  {
    kind: 'request signature made for another method',
    status: 401,
    text: ErrorText.DEVICE_AUTH_FAILED,
    send: (uuid) => {
      const body = JSON.stringify(approveBody(alice, uuid));
      return sendRaw(uuid, alice.sign('PUT', decisionPath(uuid), body), body);
    },
  },
  {
    kind: 'decision signature over a different uuid',
    status: 400,
    text: /^signature: does not verify/,
    send: (uuid, otherUuid) =>
      alice.request('POST', decisionPath(uuid), {
        decision: 'APPROVE',
        signature: alice.signDecision(otherUuid, { decision: 'APPROVE' }),
      }),
  },
  {
    kind: 'decision signature by another key (same user)',
    status: 400,
    text: /^signature: does not verify/,
    send: (uuid) => alice.request('POST', decisionPath(uuid), approveBody(aliceOther, uuid)),
  },
  {
    kind: "decision signature by another user's key",
    status: 400,
    text: /^signature: does not verify/,
    send: (uuid) => alice.request('POST', decisionPath(uuid), approveBody(mallory, uuid)),
  },
  {
    kind: 'decision flags changed after the decision was signed',
    status: 400,
    text: /^signature: does not verify/,
    send: (uuid) =>
      alice.request('POST', decisionPath(uuid), {
        decision: 'BLOCK',
        deactivate_credential: true,
        signature: alice.signDecision(uuid, { decision: 'BLOCK' }),
      }),
  },
  {
    kind: 'unknown device id',
    status: 401,
    text: ErrorText.DEVICE_AUTH_FAILED,
    send: (uuid) => {
      const body = JSON.stringify(approveBody(alice, uuid));
      return sendRaw(uuid, { ...alice.sign('POST', decisionPath(uuid), body), [Header.DEVICE]: '999999' }, body);
    },
  },
  {
    kind: 'no device headers',
    status: 401,
    text: ErrorText.DEVICE_AUTH_FAILED,
    send: (uuid) => sendRaw(uuid, {}, approveBody(alice, uuid)),
  },
  {
    kind: 'signature that is not Ed25519 over anything (random bytes)',
    status: 401,
    text: ErrorText.DEVICE_AUTH_FAILED,
    send: (uuid) => {
      const body = JSON.stringify(approveBody(alice, uuid));
      const headers = alice.sign('POST', decisionPath(uuid), body);
      return sendRaw(uuid, { ...headers, [Header.SIGNATURE]: Buffer.alloc(64, 7).toString('base64url') }, body);
    },
  },
];

describe('forged decisions', () => {
  it(`are refused with the right 4xx and change nothing (${forgeries.length} kinds × ${ROUNDS} requests)`, async () => {
    const key = await pushKey(server, 'alice');
    for (let round = 0; round < ROUNDS; round++) {
      const uuid = await pendingUuid(server, key.api_key);
      const otherUuid = await pendingUuid(server, key.api_key);
      const before = await snapshot(server.db);
      for (const forgery of forgeries) {
        const reply = await forgery.send(uuid, otherUuid);
        expect(reply.status, `${forgery.kind}: ${reply.text}`).toBe(forgery.status);
        if (typeof forgery.text === 'string') expect(errorText(reply), forgery.kind).toBe(forgery.text);
        else if (forgery.text) expect(errorText(reply), forgery.kind).toMatch(forgery.text);
        refused.add(forgery.kind);
      }
      expect(snapshotDifference(before, await snapshot(server.db))).toBe('');
      // The genuine decisions still land: the forgeries were refused for what they are, not by accident.
      expect((await alice.decide(uuid, { decision: 'APPROVE' })).status).toBe(200);
      expect((await aliceOther.decide(otherUuid, { decision: 'APPROVE' })).status).toBe(200);
      expect((await readRequest(server, uuid, key.api_key))[0].SessionServerRequest.status).toBe('ACCEPTED');
    }
  });
});

describe('replayed signatures', () => {
  it('a captured decision call replayed word for word is refused as a replay, also after a restart', async () => {
    const key = await pushKey(server, 'alice', 'replay key');
    for (let round = 0; round < ROUNDS; round++) {
      const uuid = await pendingUuid(server, key.api_key);
      const genuine = await alice.decide(uuid, { decision: 'APPROVE' });
      expect(genuine.status).toBe(200);
      const body = approveBody(alice, uuid);
      const before = await snapshot(server.db);
      const replay = await sendRaw(uuid, genuine.sentHeaders, body);
      expect(replay.status).toBe(401);
      expect(errorText(replay)).toBe(ErrorText.REPLAYED);
      refused.add('replayed decision call');
      expect(snapshotDifference(before, await snapshot(server.db))).toBe('');
    }
    // The replay record lives in the database: a restart does not reopen the window.
    const uuid = await pendingUuid(server, key.api_key);
    const listPath = `/v1/user/${alice.userId}/credential-password-ip`;
    const captured = await alice.request('GET', listPath);
    expect(captured.status).toBe(200);
    const refusedBefore = await aliceOther.request('POST', decisionPath(uuid), { decision: 'APPROVE' });
    expect(refusedBefore.status).toBe(400);
    await server.restart();
    const replayedList = await alice.request('GET', listPath, undefined, { headers: captured.sentHeaders });
    expect(replayedList.status).toBe(401);
    expect(errorText(replayedList)).toBe(ErrorText.REPLAYED);
    refused.add('replayed call after a server restart');
    const replayedRefusal = await sendRaw(uuid, refusedBefore.sentHeaders, { decision: 'APPROVE' });
    expect(replayedRefusal.status).toBe(401);
    expect(errorText(replayedRefusal)).toBe(ErrorText.REPLAYED);
    refused.add('replayed call after a server restart');
    expect((await readRequest(server, uuid, key.api_key))[0].SessionServerRequest.status).toBe('PENDING');
  });

  // A decision's replay record is written in the transaction that decides; a call refused inside it (rolled back)
  // has its signature recorded afterwards, so its replay is still told apart as a replay.
  it('a decision call refused inside its transaction (404, 409) is refused as a replay when sent again', async () => {
    const key = await pushKey(server, 'alice', 'refused replay key');
    const uuid = await pendingUuid(server, key.api_key);
    const notTheirs = await mallory.decide(uuid, { decision: 'APPROVE' });
    expect(notTheirs.status).toBe(404);
    expect((await alice.decide(uuid, { decision: 'APPROVE' })).status).toBe(200);
    const second = await aliceOther.decide(uuid, { decision: 'APPROVE' });
    expect(second.status).toBe(409);
    const before = await snapshot(server.db);
    for (const [device, original] of [
      [mallory, notTheirs],
      [aliceOther, second],
    ] as const) {
      const replay = await sendRaw(uuid, original.sentHeaders, approveBody(device, uuid));
      expect(replay.status).toBe(401);
      expect(errorText(replay)).toBe(ErrorText.REPLAYED);
      refused.add('replayed call that was refused inside its transaction');
    }
    expect(snapshotDifference(before, await snapshot(server.db))).toBe('');
  });

  it('the push stream upgrade cannot be replayed or forged', async () => {
    const stream = await alice.connect();
    await stream.next('hello');
    const path = `/v1/approver-device/${alice.id}/stream`;
    const replayed = alice.connect({ headers: alice.sign('GET', path, '', Date.now() - 61_000) });
    await expect(replayed).rejects.toEqual(new UpgradeRefused(401));
    refused.add('stream upgrade with a stale timestamp');
    const forgedHeaders = { ...aliceOther.sign('GET', path, ''), [Header.DEVICE]: String(alice.id) };
    await expect(alice.connect({ headers: forgedHeaders })).rejects.toEqual(new UpgradeRefused(401));
    refused.add('stream upgrade signed by another device');
    const headers = alice.sign('GET', path, '');
    const first = await alice.connect({ headers });
    await first.next('hello');
    await expect(alice.connect({ headers })).rejects.toEqual(new UpgradeRefused(401));
    refused.add('replayed stream upgrade');
    await expect(mallory.connect({ streamOf: alice.id })).rejects.toEqual(new UpgradeRefused(403));
    refused.add("another user's device asking for this device's stream");
    await first.close();
    await stream.close();
  });
});

describe('decisions on requests that can no longer be decided', () => {
  it('an expired request answers 410 (swept or not yet swept) and stays EXPIRED', async () => {
    // A server of its own: requests live 1 s, and the sweeper is slow so that a request can be past its time while
    // its row still says PENDING.
    const short = await startHardeningServer({ requestLifetimeSeconds: 1, sweepIntervalMs: 3_600_000 });
    try {
      const [device] = (await person(short, 'erin')).devices as [TestDevice];
      const key = await pushKey(short, 'erin');
      for (let round = 0; round < 3; round++) {
        const swept = await pendingUuid(short, key.api_key);
        const unswept = await pendingRequest(short, key.api_key);
        // The requester's long-poll ends when the request expires; that read turns it EXPIRED.
        const read = await readRequest(short, swept, key.api_key, 5);
        expect(read[0].SessionServerRequest.status).toBe('EXPIRED');
        // The second was made a moment after the first (on a loaded machine, more than the read's grace): it is
        // decided only once its own time has passed too. Its row still says PENDING (the sweeper is slow).
        const late = Date.parse(unswept.expiry_time) + 50 - Date.now();
        if (late > 0) await new Promise((resolve) => setTimeout(resolve, late));
        for (const uuid of [swept, unswept.uuid]) {
          const reply = await device.decide(uuid, { decision: 'APPROVE' });
          expect(reply.status, reply.text).toBe(410);
          expect(errorText(reply)).toBe(ErrorText.EXPIRED);
          refused.add('decision on an expired request');
          const status = SessionServerRequestRead.parse(
            (
              await http(`${short.url}/v1/session-server-request/${uuid}`, {
                headers: { 'x-bunq-client-authentication': key.api_key },
              })
            ).json,
          ).Response[0].SessionServerRequest;
          expect(status).toMatchObject({ status: 'EXPIRED', token_delivered: false });
        }
      }
    } finally {
      await short.close();
    }
  });

  it('a revoked device can decide nothing', async () => {
    const [device, keeper] = (await person(server, 'frank', 2)).devices as [TestDevice, TestDevice];
    const key = await pushKey(server, 'frank');
    const uuid = await pendingUuid(server, key.api_key);
    expect((await keeper.request('DELETE', `/v1/user/${keeper.userId}/approver-device/${device.id}`)).status).toBe(200);
    const reply = await device.decide(uuid, { decision: 'APPROVE' });
    expect(reply.status).toBe(401);
    expect(errorText(reply)).toBe(ErrorText.DEVICE_AUTH_FAILED);
    refused.add('decision by a removed device');
    expect((await readRequest(server, uuid, key.api_key))[0].SessionServerRequest.status).toBe('PENDING');
  });
});
