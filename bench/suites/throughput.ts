// Full approvals per second: N requesters (openSession, the real requester library) each opening sessions one
// after another with their own push-mode key, and N devices approving every request the moment it is pushed.
// N steps up until the server saturates: a step that does not raise the rate by 5% ends the climb. With two
// instances the requesters call one and the devices are connected to (and decide on) the other.
import { openSession } from '../../client/index.js';
import { BenchDevice } from '../support/bench-device.js';
import {
  CpuWindow,
  cpuMsPer,
  MachineWindow,
  mainThreadCpuTimeMs,
  round,
  totalCpuPercent,
  treeCpuTimeMs,
} from '../support/proc-stats.js';
import type { SeededPair } from '../support/seed.js';
import { type LatencySummary, summarize } from '../support/stats.js';

/** A step must beat the best rate so far by this factor to count as still rising. */
const STILL_RISING = 1.05;
/**
 * Steps in a row that do not rise before the climb stops. Two, not one: on a shared 2-core machine one step can
 * lose a few percent to someone else's work without the server being anywhere near its limit.
 */
const FLAT_STEPS_TO_STOP = 2;

export interface ThroughputStep {
  concurrency: number;
  approvals: number;
  approvals_per_second: number;
  /** From POST /v1/session-server to the token in hand, per approval. */
  approval_latency: LatencySummary;
  /** Of one core, all server processes together (both instances when there are two). */
  server_cpu_percent: number;
  /** Of one core, the server processes' main threads (their event loops) alone, added up. */
  server_main_thread_cpu_percent: number;
  /** Server CPU per completed approval, ms: all threads, and the main threads alone. */
  server_cpu_ms_per_approval: number;
  server_main_thread_cpu_ms_per_approval: number;
  /** Of one core, the whole PostgreSQL cluster; null without one. */
  postgres_cpu_percent: number | null;
  load_generator_cpu_percent: number;
  /** Work on the machine that is not the benchmark's own (other processes), during the measured window. */
  other_processes_cpu_percent: number;
  errors: number;
  first_error: string | null;
}

export interface ThroughputResult {
  steps: ThroughputStep[];
  /** The best rate and the concurrency that reached it. */
  peak: { concurrency: number; approvals_per_second: number };
  /** True when the climb stopped because the rate stopped rising (false: it ran out of steps while rising). */
  saturated: boolean;
}

/** Approves every approval.requested it hears, at once. */
function autoApprove(device: BenchDevice, failed: (error: string) => void): void {
  device.onPush((message) => {
    if (message.type !== 'approval.requested') return;
    device.decide(message.request.uuid, 'APPROVE').then(
      (reply) => reply.status === 200 || failed(`decision HTTP ${reply.status}: ${reply.text}`),
      (error: unknown) => failed(String(error)),
    );
  });
}

export async function throughput(options: {
  /** Where the requesters open sessions. */
  server: string;
  /** Where the devices connect and decide (default: server). */
  deviceServer?: string;
  /**
   * Several instances, each worker pinned to one: worker i's requester and device both use pinned[i % length]
   * (overrides server and deviceServer), so that no push has to cross from one instance to another.
   */
  pinned?: string[];
  serverPids: number[];
  /** The PostgreSQL postmaster, when the servers use a local cluster: its CPU is reported, not counted as others'. */
  postmaster?: number | null;
  workers: SeededPair[];
  steps: number[];
  stepSeconds: number;
  warmupSeconds: number;
  log: (line: string) => void;
}): Promise<ThroughputResult> {
  const postmaster = options.postmaster ?? null;
  const pinned = options.pinned;
  const serverOf = (index: number) => (pinned ? pinned[index % pinned.length]! : options.server);
  const deviceServerOf = (index: number) =>
    pinned ? pinned[index % pinned.length]! : (options.deviceServer ?? options.server);
  const approvers: BenchDevice[] = [];
  const steps: ThroughputStep[] = [];
  let best: ThroughputStep | null = null;
  let flatSteps = 0;
  try {
    for (const concurrency of options.steps) {
      if (concurrency > options.workers.length) break;
      let errors = 0;
      let firstError: string | null = null;
      const fail = (error: string) => {
        errors += 1;
        firstError ??= error;
      };
      while (approvers.length < concurrency) {
        const { device } = options.workers[approvers.length]!;
        const approver = new BenchDevice(deviceServerOf(approvers.length), device.id, device.privateKey);
        await approver.connect();
        autoApprove(approver, (error) => fail(error));
        approvers.push(approver);
      }

      const startedAt = performance.now();
      const measureFrom = startedAt + options.warmupSeconds * 1000;
      const endAt = measureFrom + options.stepSeconds * 1000;
      const latencies: number[] = [];
      // CPU is read over exactly the measured window, by timers, not when the last requester happens to finish.
      let serverCpu: CpuWindow[] = [];
      let mainThreadCpu: CpuWindow[] = [];
      let mainThreadPercent = Number.NaN;
      let ownCpu: NodeJS.CpuUsage | null = null;
      let serverPercent = Number.NaN;
      let postgresCpu: CpuWindow | null = null;
      let postgresPercent: number | null = null;
      let ownPercent = Number.NaN;
      let machine: MachineWindow | null = null;
      let others = Number.NaN;
      setTimeout(() => {
        serverCpu = options.serverPids.map((pid) => new CpuWindow(pid));
        mainThreadCpu = options.serverPids.map((pid) => new CpuWindow(pid, mainThreadCpuTimeMs));
        if (postmaster !== null) postgresCpu = new CpuWindow(postmaster, treeCpuTimeMs);
        machine = new MachineWindow(options.serverPids, postmaster === null ? [] : [postmaster]);
        ownCpu = process.cpuUsage();
      }, measureFrom - startedAt);
      const windowClosed = new Promise<void>((resolve) =>
        setTimeout(() => {
          serverPercent = totalCpuPercent(serverCpu);
          mainThreadPercent = totalCpuPercent(mainThreadCpu);
          postgresPercent = postgresCpu ? postgresCpu.end().cpu_percent : null;
          others = machine?.end().other_processes_cpu_percent ?? Number.NaN;
          const own = ownCpu ? process.cpuUsage(ownCpu) : null;
          if (own) ownPercent = round((own.user + own.system) / 10_000 / options.stepSeconds, 1);
          resolve();
        }, endAt - startedAt),
      );

      const requester = async (index: number) => {
        const { apiKey } = options.workers[index]!;
        while (performance.now() < endAt) {
          const began = performance.now();
          try {
            const result = await openSession({ server: serverOf(index), apiKey, description: `throughput ${index}` });
            const done = performance.now();
            if (result.status !== 'ACCEPTED') fail(`session ${result.status}`);
            else if (done >= measureFrom && done <= endAt) latencies.push(done - began);
          } catch (error) {
            fail(String(error));
          }
        }
      };
      await Promise.all([windowClosed, ...Array.from({ length: concurrency }, (_, index) => requester(index))]);
      const step: ThroughputStep = {
        concurrency,
        approvals: latencies.length,
        approvals_per_second: round(latencies.length / options.stepSeconds, 1),
        approval_latency: summarize(latencies),
        server_cpu_percent: serverPercent,
        server_main_thread_cpu_percent: mainThreadPercent,
        server_cpu_ms_per_approval: cpuMsPer(serverPercent, latencies.length / options.stepSeconds),
        server_main_thread_cpu_ms_per_approval: cpuMsPer(mainThreadPercent, latencies.length / options.stepSeconds),
        postgres_cpu_percent: postgresPercent,
        load_generator_cpu_percent: ownPercent,
        other_processes_cpu_percent: others,
        errors,
        first_error: firstError,
      };
      steps.push(step);
      options.log(
        `throughput N=${concurrency}: ${step.approvals_per_second}/s, p50 ${step.approval_latency.p50_ms} ms, ` +
          `server CPU ${step.server_cpu_percent}% (main thread ${step.server_main_thread_cpu_percent}%, ` +
          `${step.server_main_thread_cpu_ms_per_approval} ms per approval)${postmaster === null ? '' : `, PostgreSQL ${step.postgres_cpu_percent}%`}, load generator CPU ${step.load_generator_cpu_percent}%, ` +
          `other processes ${step.other_processes_cpu_percent}%`,
      );
      const rising = !best || step.approvals_per_second >= best.approvals_per_second * STILL_RISING;
      if (!best || step.approvals_per_second > best.approvals_per_second) best = step;
      flatSteps = rising ? 0 : flatSteps + 1;
      if (flatSteps >= FLAT_STEPS_TO_STOP) break;
    }
  } finally {
    await Promise.all(approvers.map((a) => a.close()));
  }
  return {
    steps,
    peak: { concurrency: best?.concurrency ?? 0, approvals_per_second: best?.approvals_per_second ?? 0 },
    saturated: flatSteps >= FLAT_STEPS_TO_STOP,
  };
}
