// Would several server processes on one SQLite file (WAL) use the machine's cores? The throughput climb with one
// process, then with two on the same file, each worker's requester and device pinned to the same process, so
// that no push has to cross between processes. That leaves out the cross-process push path a real deployment
// would need (and its cost), so the two-process figure is an upper bound of what such a design could reach here.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchPlan } from '../plan.js';
import { removeOnExit } from '../support/children.js';
import { type ServerChild, startServerChild } from '../support/countersign-process.js';
import { round } from '../support/proc-stats.js';
import { seed } from '../support/seed.js';
import { type ThroughputResult, throughput } from './throughput.js';

export interface SqliteProcessesResults {
  one_process: ThroughputResult;
  two_processes_pinned: ThroughputResult;
  /** Two processes' peak over one's. */
  peak_ratio: number | null;
}

async function climb(processes: number, plan: BenchPlan, log: (line: string) => void): Promise<ThroughputResult> {
  const dir = removeOnExit(await mkdtemp(join(tmpdir(), 'countersign-bench-processes-')));
  const db = join(dir, 'countersign.db');
  const servers: ServerChild[] = [];
  try {
    const seeded = await seed(db, { workers: plan.throughputSteps.at(-1)!, idleDevices: 0, idleDevicesPerUser: 1 });
    for (let i = 0; i < processes; i += 1) servers.push(await startServerChild({ db, name: `sqlite-${i}` }));
    log(`${processes} server process${processes === 1 ? '' : 'es'} on one SQLite file`);
    return await throughput({
      server: servers[0]!.url,
      pinned: servers.map((server) => server.url),
      serverPids: servers.map((server) => server.pid),
      workers: seeded.workers,
      steps: plan.throughputSteps,
      stepSeconds: plan.throughputStepSeconds,
      warmupSeconds: plan.throughputWarmupSeconds,
      log,
    });
  } finally {
    for (const server of servers) await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

export async function sqliteProcessBenchmarks(
  plan: BenchPlan,
  log: (line: string) => void,
): Promise<SqliteProcessesResults> {
  const one = await climb(1, plan, log);
  const two = await climb(2, plan, log);
  const peakRatio =
    one.peak.approvals_per_second > 0 ? round(two.peak.approvals_per_second / one.peak.approvals_per_second, 2) : null;
  log(
    `two processes / one: ${peakRatio} (peaks ${two.peak.approvals_per_second} / ${one.peak.approvals_per_second} per s)`,
  );
  return { one_process: one, two_processes_pinned: two, peak_ratio: peakRatio };
}
