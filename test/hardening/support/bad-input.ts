// Runs the bad-input corpus against a prepared server: every request must be refused with a 4xx and bunq's Error
// envelope, every bad push-stream message must close the stream with 4400 and a reason, nothing may be logged as an
// unexpected error, no push may go out, and the database must end exactly as it began.
import fc from 'fast-check';
import { expect } from 'vitest';
import { ErrorEnvelope, SessionServerOpened, SessionServerPending } from '../../../protocol/index.js';
import { StreamCloseCode } from '../../../protocol/index.js';
import type { TestDevice } from '../../support/device.js';
import { http, TEST_INTROSPECTION_SECRET } from '../../support/server.js';
import { KeepAliveClient, type RawReply } from './client.js';
import { type CorpusCase, type CorpusTargets, corpus, type StreamCase, streamCorpus } from './corpus.js';
import { snapshot, snapshotDifference } from './db.js';
import { type HardeningServer, startHardeningServer } from './server.js';
import { attempt, person, pushKey } from './world.js';

export interface BadInputOptions {
  requests: number;
  streamMessages: number;
  seed: number;
  concurrency?: number;
}

export interface BadInputFigures {
  seed: number;
  requests: number;
  stream_messages: number;
  seconds: number;
  requests_per_endpoint: Record<string, number>;
  statuses: Record<string, number>;
  stream_closes: Record<string, number>;
  violations: number;
}

interface Violation {
  label: string;
  request: string;
  reply: string;
}

async function prepare(server: HardeningServer): Promise<CorpusTargets> {
  const [alice] = (await person(server, 'alice')).devices as [TestDevice];
  const [bob] = (await person(server, 'bob')).devices as [TestDevice];
  const key = await pushKey(server, 'alice');
  const ipOnlyKey = await server.admin.createKey({ user: 'alice', name: 'ip-only', mode: 'ip-only', ips: ['*'] });
  const pending = await attempt(server, key.api_key);
  const bobKey = await pushKey(server, 'bob');
  const bobPending = await attempt(server, bobKey.api_key);
  const opened = SessionServerOpened.parse((await attempt(server, ipOnlyKey.api_key)).json).Response;
  const ips = await alice.request('GET', `/v1/user/${alice.userId}/credential-password-ip/${ipOnlyKey.id}/ip`);
  return {
    alice,
    bob,
    pushKey: key,
    ipOnlyKey,
    pendingUuid: SessionServerPending.parse(pending.json).Response[0].SessionServerRequest.uuid,
    bobUuid: SessionServerPending.parse(bobPending.json).Response[0].SessionServerRequest.uuid,
    ipItemId: (ips.json as { Response: [{ PermittedIp: { id: number } }] }).Response[0].PermittedIp.id,
    sessionId: opened[0].Id.id,
    sessionToken: opened[1].Token.token,
    introspectionSecret: TEST_INTROSPECTION_SECRET,
  };
}

/** The request as sent: signed now (when it is a device call), then any forged headers laid over it. */
function finalize(c: CorpusCase) {
  const signed = c.signAs ? c.signAs.sign(c.method, c.path, c.body ?? '') : {};
  return { method: c.method, path: c.path, headers: { ...c.headers, ...signed, ...c.afterSign }, body: c.body };
}

function describeRequest(c: CorpusCase): string {
  const body = c.body === undefined ? '' : ` ${c.body.length > 300 ? `${c.body.slice(0, 300)}…` : c.body}`;
  return `${c.method} ${c.path.slice(0, 300)} ${JSON.stringify(c.headers)}${body}`;
}

/** What is wrong with the reply, or null when it is a proper refusal. */
function problem(reply: RawReply): string | null {
  if (reply.status < 400 || reply.status > 499) return `status ${reply.status}`;
  const envelope = ErrorEnvelope.safeParse(reply.json);
  if (!envelope.success) return 'not a bunq Error envelope';
  const text = envelope.data.Error[0]!.error_description;
  if (text.trim() === '' || /internal server error/i.test(text)) return `unclear error text "${text}"`;
  return null;
}

async function sendCorpus(
  server: HardeningServer,
  cases: readonly { endpoint: string; c: CorpusCase }[],
  concurrency: number,
) {
  const client = new KeepAliveClient(server.url, concurrency);
  const statuses: Record<string, number> = {};
  const violations: Violation[] = [];
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const { c } = cases[next++]!;
      const reply = await client.send(finalize(c)).catch((error: Error) => {
        throw new Error(`could not send ${describeRequest(c)}: ${error.message}`);
      });
      statuses[reply.status] = (statuses[reply.status] ?? 0) + 1;
      const wrong = problem(reply);
      if (wrong)
        violations.push({
          label: `${c.label}: ${wrong}`,
          request: describeRequest(c),
          reply: reply.text.slice(0, 300),
        });
    }
  };
  try {
    await Promise.all(Array.from({ length: concurrency }, worker));
  } finally {
    client.close();
  }
  return { statuses, violations };
}

async function sendStreamCase(device: TestDevice, c: StreamCase): Promise<{ code: number; reason: string }> {
  const stream = await device.connect();
  await stream.next('hello');
  for (const frame of c.harmless) stream.send(frame);
  stream.socket.send(c.frame, { binary: c.binary });
  const timeout = new Promise<{ code: number; reason: string }>((resolve) =>
    setTimeout(() => resolve({ code: -1, reason: 'still open after 10 s' }), 10_000).unref(),
  );
  const closed = await Promise.race([stream.closed, timeout]);
  if (closed.code === -1) await stream.close();
  return closed;
}

export async function runBadInputCorpus(options: BadInputOptions): Promise<BadInputFigures> {
  const startedAt = Date.now();
  // Thousands of session attempts, failed pairings and failed device authentications from one address: the per-IP
  // limits are not under test here (abuse.test.ts and device-auth-limit.test.ts test them), and a long lifetime
  // keeps the PENDING request as it is.
  const server = await startHardeningServer({
    sessionRateLimit: 0,
    pairingFailureLimit: Number.MAX_SAFE_INTEGER,
    deviceAuthFailureLimit: Number.MAX_SAFE_INTEGER,
    requestLifetimeSeconds: 24 * 3600,
  });
  try {
    const targets = await prepare(server);
    const observer = await targets.alice.connect();
    await observer.next('hello');
    await observer.next('approval.requested');

    const endpoints = corpus(targets);
    const perEndpoint = Math.ceil(options.requests / endpoints.length);
    const cases = endpoints.flatMap(({ name, arbitrary }, index) =>
      fc.sample(arbitrary, { numRuns: perEndpoint, seed: options.seed + index }).map((c) => ({ endpoint: name, c })),
    );
    const streamCases = fc.sample(streamCorpus, { numRuns: options.streamMessages, seed: options.seed });

    const before = await snapshot(server.db);
    const { statuses, violations } = await sendCorpus(server, cases, options.concurrency ?? 16);

    const streamCloses: Record<string, number> = {};
    for (const c of streamCases) {
      const closed = await sendStreamCase(targets.alice, c);
      const expected = c.transportClose
        ? { code: c.transportClose, reason: '' }
        : { code: StreamCloseCode.BAD_MESSAGE, reason: 'Not a valid client message.' };
      const key = `${closed.code} ${closed.reason}`.trim();
      streamCloses[key] = (streamCloses[key] ?? 0) + 1;
      if (closed.code !== expected.code || closed.reason !== expected.reason) {
        violations.push({
          label: `stream: ${c.label}: closed ${key}`,
          request:
            typeof c.frame === 'string' ? c.frame.slice(0, 200) : `binary ${c.frame.toString('hex').slice(0, 80)}`,
          reply: '',
        });
      }
    }

    // Still serving, nothing logged as unexpected, nothing pushed, nothing stored.
    expect((await http(`${server.url}/openapi.json`)).status).toBe(200);
    // One example per kind of failure, with how often it happened.
    const byKind = new Map<string, Violation & { times: number }>();
    for (const v of violations) {
      const seen = byKind.get(v.label);
      if (seen) seen.times += 1;
      else byKind.set(v.label, { ...v, times: 1 });
    }
    expect([...byKind.values()], `${violations.length} cases were not refused properly`).toEqual([]);
    expect(server.errorLog.slice(0, 3).map((line) => line.slice(0, 400))).toEqual([]);
    expect(observer.received.filter((m) => m.type !== 'ping' && m.type !== 'hello')).toHaveLength(1);
    expect(snapshotDifference(before, await snapshot(server.db))).toBe('');
    await observer.close();

    const requestsPerEndpoint: Record<string, number> = {};
    for (const { endpoint } of cases) requestsPerEndpoint[endpoint] = (requestsPerEndpoint[endpoint] ?? 0) + 1;
    return {
      seed: options.seed,
      requests: cases.length,
      stream_messages: streamCases.length,
      seconds: Math.round((Date.now() - startedAt) / 100) / 10,
      requests_per_endpoint: requestsPerEndpoint,
      statuses,
      stream_closes: streamCloses,
      violations: violations.length,
    };
  } finally {
    await server.close();
  }
}
