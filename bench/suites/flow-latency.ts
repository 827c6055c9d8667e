// One approval at a time, timed at its two hops:
//   request → push:        the requester's POST /v1/session-server leaves  →  approval.requested reaches the device
//   decision → requester:  the device's signed decision POST leaves       →  the requester's waiting call returns
//                          ACCEPTED (its POST, held by ?wait, as openSession sends it)
// The same two hops through the floor relay give the floor. Every timestamp is taken in this process
// (performance.now()), so no clocks are compared across processes.
import { openSession } from '../../client/index.js';
import { send } from '../../client/http.js';
import { type BenchDevice, httpExchange, keepAliveAgent } from '../support/bench-device.js';
import { type LatencySummary, sleep, summarize } from '../support/stats.js';

/**
 * Time the requester's POST gets to begin its wait after the push went out, before the device decides. On
 * loopback that takes well under a millisecond; this keeps the decision hop from also timing the rest of the POST.
 */
const PARK_MS = 10;
const STEP_TIMEOUT_MS = 10_000;

export interface FlowLatency {
  request_to_push: LatencySummary;
  decision_to_requester: LatencySummary;
  /** The decision POST's own round trip, for reference (the device gets its 200 about when the requester hears). */
  decision_post_round_trip: LatencySummary;
}

function within<T>(promise: Promise<T>, what: string): Promise<T> {
  let timer: NodeJS.Timeout;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no ${what} within ${STEP_TIMEOUT_MS} ms`)), STEP_TIMEOUT_MS);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Resolves with the arrival time of the approval.requested whose description matches. */
function pushArrival(device: BenchDevice, description: string): Promise<{ uuid: string; at: number }> {
  return new Promise((resolve) => {
    const stop = device.onPush((message, at) => {
      if (message.type === 'approval.requested' && message.request.description === description) {
        stop();
        resolve({ uuid: message.request.uuid, at });
      }
    });
  });
}

export async function countersignFlow(options: {
  server: string;
  target: BenchDevice;
  apiKey: string;
  samples: number;
  warmup: number;
  label: string;
}): Promise<FlowLatency> {
  const { server, target, apiKey } = options;
  const push: number[] = [];
  const decision: number[] = [];
  const decisionPost: number[] = [];
  for (let i = 0; i < options.warmup + options.samples; i += 1) {
    const description = `bench ${options.label} #${i}`;
    const pushed = pushArrival(target, description);
    const sentAt = performance.now();
    const session = openSession({ server, apiKey, description }).then((result) => ({
      result,
      at: performance.now(),
    }));
    const arrival = await within(pushed, 'approval.requested');
    await sleep(PARK_MS);
    const decidedAt = performance.now();
    const reply = target.decide(arrival.uuid, 'APPROVE').then((r) => ({ r, at: performance.now() }));
    const [opened, posted] = await within(Promise.all([session, reply]), 'ACCEPTED');
    if (opened.result.status !== 'ACCEPTED' || posted.r.status !== 200) {
      throw new Error(
        `approval ${i} ended ${opened.result.status}, decision HTTP ${posted.r.status}: ${posted.r.text}`,
      );
    }
    if (i < options.warmup) continue;
    push.push(arrival.at - sentAt);
    decision.push(opened.at - decidedAt);
    decisionPost.push(posted.at - decidedAt);
  }
  return {
    request_to_push: summarize(push),
    decision_to_requester: summarize(decision),
    decision_post_round_trip: summarize(decisionPost),
  };
}

/**
 * The same two hops through the floor relay, with the same HTTP clients: the requester's (client/http.ts, which
 * openSession uses) for the POST and the long-poll, the device's keep-alive agent for the release. The pushed body
 * is as large as a real approval.requested message.
 */
export async function floorFlow(options: {
  relay: string;
  samples: number;
  warmup: number;
  socket: { onMessage(listener: (text: string, at: number) => void): () => void };
}): Promise<Pick<FlowLatency, 'request_to_push' | 'decision_to_requester'>> {
  const agent = keepAliveAgent();
  const push: number[] = [];
  const decision: number[] = [];
  const filler = 'x'.repeat(560);
  try {
    for (let i = 0; i < options.warmup + options.samples; i += 1) {
      const id = `floor-${i}`;
      const arrived = new Promise<number>((resolve) => {
        const stop = options.socket.onMessage((text, at) => {
          if (text.includes(id)) {
            stop();
            resolve(at);
          }
        });
      });
      const sentAt = performance.now();
      await send({
        server: options.relay,
        method: 'POST',
        path: '/push/target',
        body: { type: 'approval.requested', id, filler },
        idleTimeoutMs: STEP_TIMEOUT_MS,
      });
      const pushedAt = await within(arrived, 'relayed message');
      const poll = send({
        server: options.relay,
        method: 'GET',
        path: `/wait/${id}`,
        idleTimeoutMs: STEP_TIMEOUT_MS,
      }).then((reply) => ({ reply, at: performance.now() }));
      await sleep(PARK_MS);
      const decidedAt = performance.now();
      await httpExchange(`${options.relay}/release/${id}`, 'POST', '{"status":"ACCEPTED"}', {}, agent);
      const answered = await within(poll, 'released long-poll');
      if (answered.reply.status !== 200) throw new Error(`floor long-poll answered HTTP ${answered.reply.status}`);
      if (i < options.warmup) continue;
      push.push(pushedAt - sentAt);
      decision.push(answered.at - decidedAt);
    }
  } finally {
    agent.destroy();
  }
  return { request_to_push: summarize(push), decision_to_requester: summarize(decision) };
}
