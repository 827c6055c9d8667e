// The CIBA peer (bench/ciba-peer-server.ts, oidc-provider in its own process) under the throughput suite's load
// shape: C requesters, each running flows one after another — POST /backchannel (client authentication, login_hint)
// then POST /token polled until the tokens come back — for a warm-up and then a measured window, with the server's
// CPU read over exactly that window. Run at the concurrencies Countersign's climb is compared at (1 and 16), so
// bench/run.ts can print ours / peer.
import { randomBytes } from 'node:crypto';
import { spawnChild, stopChild, waitForLine } from '../support/children.js';
import { CIBA_PEER_ACCOUNT, CIBA_PEER_CLIENT_ID, CIBA_PEER_SECRET_ENV } from '../support/ciba-peer-names.js';
import { ROOT } from '../support/countersign-process.js';
import { CpuWindow, MachineWindow, round } from '../support/proc-stats.js';
import { type LatencySummary, summarize } from '../support/stats.js';

/** The concurrencies the peer runs at; Countersign's throughput climb always includes them. */
export const CIBA_PEER_CONCURRENCIES = [1, 16] as const;

/**
 * Seconds of flows at 4 at a time before the first step, so a fresh process's JIT warm-up is not measured
 * (Countersign's server has served the latency suites by the time its throughput climb starts).
 */
const JIT_WARMUP_SECONDS = 2;

/** A poll that comes back with authorization_pending is sent again at once, up to this many times per flow. */
const MAX_POLLS_PER_FLOW = 1_000;

export interface CibaPeerStep {
  concurrency: number;
  flows: number;
  flows_per_second: number;
  /** From POST /backchannel to the tokens in hand, per flow. */
  flow_latency: LatencySummary;
  /** Token polls per completed flow (1 when the approval was always in before the first poll). */
  polls_per_flow: number;
  /** Of one core. */
  server_cpu_percent: number;
  load_generator_cpu_percent: number;
  other_processes_cpu_percent: number;
  errors: number;
  first_error: string | null;
}

export interface CibaPeerResults {
  peer: string;
  steps: CibaPeerStep[];
}

async function post(
  url: string,
  form: Record<string, string>,
): Promise<{ status: number; body: Record<string, unknown> }> {
  const reply = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams(form).toString(),
  });
  return { status: reply.status, body: (await reply.json()) as Record<string, unknown> };
}

export async function cibaPeerBenchmarks(
  plan: { throughputStepSeconds: number; throughputWarmupSeconds: number },
  log: (line: string) => void,
): Promise<CibaPeerResults> {
  const secret = randomBytes(24).toString('base64url');
  const peer = spawnChild(process.execPath, ['bin/run-ts.mjs', 'bench/ciba-peer-server.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, [CIBA_PEER_SECRET_ENV]: secret },
  });
  try {
    const url = (await waitForLine(peer, /listening on (http:\/\/\S+)/, 'CIBA peer'))[1]!;
    peer.stdout?.resume();
    // Only failures are passed on; the in-memory adapter's start-up warning is expected here.
    peer.stderr?.on('data', (chunk: Buffer) => {
      const text = chunk.toString();
      if (!text.includes('in-memory adapter')) process.stderr.write(`[ciba-peer] ${text}`);
    });
    const auth = { client_id: CIBA_PEER_CLIENT_ID, client_secret: secret };
    const steps: CibaPeerStep[] = [];
    for (const concurrency of [0, ...CIBA_PEER_CONCURRENCIES]) {
      const warmingUp = concurrency === 0;
      let errors = 0;
      let firstError: string | null = null;
      const fail = (error: string) => {
        errors += 1;
        firstError ??= error;
      };
      let polls = 0;
      const flow = async (): Promise<boolean> => {
        const asked = await post(`${url}/backchannel`, { ...auth, scope: 'openid', login_hint: CIBA_PEER_ACCOUNT });
        const id = asked.body.auth_req_id;
        if (asked.status !== 200 || typeof id !== 'string') {
          fail(`backchannel HTTP ${asked.status}: ${JSON.stringify(asked.body)}`);
          return false;
        }
        for (let poll = 1; poll <= MAX_POLLS_PER_FLOW; poll += 1) {
          const token = await post(`${url}/token`, {
            ...auth,
            grant_type: 'urn:openid:params:grant-type:ciba',
            auth_req_id: id,
          });
          if (token.status === 200 && typeof token.body.id_token === 'string') {
            polls += poll;
            return true;
          }
          if (token.body.error !== 'authorization_pending') {
            fail(`token HTTP ${token.status}: ${JSON.stringify(token.body)}`);
            return false;
          }
        }
        fail(`still pending after ${MAX_POLLS_PER_FLOW} polls`);
        return false;
      };

      const startedAt = performance.now();
      const measureFrom = startedAt + (warmingUp ? JIT_WARMUP_SECONDS : plan.throughputWarmupSeconds) * 1000;
      const endAt = measureFrom + plan.throughputStepSeconds * 1000;
      const latencies: number[] = [];
      let serverCpu: CpuWindow | null = null;
      let ownCpu: NodeJS.CpuUsage | null = null;
      let machine: MachineWindow | null = null;
      let serverPercent = Number.NaN;
      let ownPercent = Number.NaN;
      let others = Number.NaN;
      let pollsAtStart = 0;
      let pollsInWindow = 0;
      setTimeout(() => {
        serverCpu = new CpuWindow(peer.pid!);
        machine = new MachineWindow([peer.pid!]);
        ownCpu = process.cpuUsage();
        pollsAtStart = polls;
      }, measureFrom - startedAt);
      const windowClosed = new Promise<void>((resolve) =>
        setTimeout(() => {
          serverPercent = serverCpu?.end().cpu_percent ?? Number.NaN;
          others = machine?.end().other_processes_cpu_percent ?? Number.NaN;
          const own = ownCpu ? process.cpuUsage(ownCpu) : null;
          if (own) ownPercent = round((own.user + own.system) / 10_000 / plan.throughputStepSeconds, 1);
          pollsInWindow = polls - pollsAtStart;
          resolve();
        }, endAt - startedAt),
      );
      const requester = async () => {
        while (performance.now() < endAt) {
          const began = performance.now();
          try {
            const done = (await flow()) ? performance.now() : null;
            if (done !== null && done >= measureFrom && done <= endAt) latencies.push(done - began);
          } catch (error) {
            fail(String(error));
          }
        }
      };
      await Promise.all([windowClosed, ...Array.from({ length: warmingUp ? 4 : concurrency }, requester)]);
      if (warmingUp) {
        if (errors > 0) throw new Error(`CIBA peer warm-up failed: ${firstError}`);
        continue;
      }
      const step: CibaPeerStep = {
        concurrency,
        flows: latencies.length,
        flows_per_second: round(latencies.length / plan.throughputStepSeconds, 1),
        flow_latency: summarize(latencies),
        polls_per_flow: latencies.length > 0 ? round(pollsInWindow / latencies.length, 2) : Number.NaN,
        server_cpu_percent: serverPercent,
        load_generator_cpu_percent: ownPercent,
        other_processes_cpu_percent: others,
        errors,
        first_error: firstError,
      };
      steps.push(step);
      log(
        `CIBA peer C=${concurrency}: ${step.flows_per_second} flows/s, p50/p99 ${step.flow_latency.p50_ms}/` +
          `${step.flow_latency.p99_ms} ms, ${step.polls_per_flow} polls per flow, server CPU ${step.server_cpu_percent}%, ` +
          `load generator CPU ${step.load_generator_cpu_percent}%, other processes ${step.other_processes_cpu_percent}%`,
      );
    }
    return { peer: 'oidc-provider (features.ciba, poll mode, in-memory adapter, RS256 id_token)', steps };
  } finally {
    await stopChild(peer);
  }
}
