// The scale-out comparison, in one run and at one sample count: flow-latency's two hops (one approval at a time, one
// connected device) on
//   1. one instance on SQLite — a fresh file, measured here again (not taken from the countersign suite) so that the
//      three figures come from the same minutes on the same machine and `--only scale-out` is complete alone;
//   2. one instance on PostgreSQL;
//   3. two instances on one PostgreSQL database: the requester calls A, the device is connected to B and posts its
//      decision to B, so the push crosses A → B and the decision B → A (the PostgreSQL push hub, LISTEN/NOTIFY).
// Then the throughput climb on one PostgreSQL instance and across the two (requesters on A, devices on B), and how
// many PostgreSQL transactions committed and rolled back over all of it.
// Every server is `node bin/countersign-server.mjs` in its own process; PostgreSQL is the cluster that
// scripts/with-postgres.sh started for this run, with a fresh database dropped at the end.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BenchPlan } from '../plan.js';
import { BenchDevice } from '../support/bench-device.js';
import { removeOnExit } from '../support/children.js';
import { type ServerChild, startServerChild } from '../support/countersign-process.js';
import { createBenchDatabase, postmasterPid } from '../support/postgres-db.js';
import { CpuWindow, MachineWindow, round, totalCpuPercent, treeCpuTimeMs } from '../support/proc-stats.js';
import { type Seeded, type SeededPair, seed } from '../support/seed.js';
import type { LatencySummary } from '../support/stats.js';
import { countersignFlow, type FlowLatency } from './flow-latency.js';
import { type ThroughputResult, throughput } from './throughput.js';

export interface ScaleOutPhase extends FlowLatency {
  store: 'sqlite' | 'postgres';
  instances: number;
  /** Which instance the requester's POST and long-poll went to, and which one the device was connected to. */
  requester_instance: string;
  device_instance: string;
  /** Of one core, the server instances together. */
  servers_cpu_percent: number;
  /** Of one core, the whole PostgreSQL cluster (postmaster and every backend); null for SQLite or when not local. */
  postgres_cpu_percent: number | null;
  /** PostgreSQL counts as the benchmark's own here, not as another process. */
  machine_during: ReturnType<MachineWindow['end']>;
}

export interface ScaleOutResults {
  /** Where the SQLite figure comes from. */
  sqlite_measured: string;
  sqlite_1_instance: ScaleOutPhase;
  postgres_1_instance: ScaleOutPhase;
  postgres_2_instances: ScaleOutPhase;
  /** Null when the plan has no throughput steps. */
  throughput: { postgres_1_instance: ThroughputResult; postgres_2_instances: ThroughputResult } | null;
  /**
   * The whole PostgreSQL part (both latency phases and both climbs), from pg_stat_database. A rollback is a
   * transaction the server refused half-way (a 4xx such as 429 too many pending or 409 already decided) or one the
   * database ended to break a deadlock (run again).
   */
  postgres_transactions: {
    sessions_opened: number;
    committed: number;
    rolled_back: number;
    rolled_back_per_session: number | null;
  };
  /** The percentiles side by side, to read at a glance. */
  summary: Record<string, Record<'request_to_push' | 'decision_to_requester', Percentiles>>;
}

type Log = (line: string) => void;

interface Measure {
  plan: BenchPlan;
  log: Log;
  label: string;
  requesterServer: ServerChild;
  deviceServer: ServerChild;
  servers: ServerChild[];
  pair: SeededPair;
  postmaster: number | null;
}

async function measure(options: Measure): Promise<Omit<ScaleOutPhase, 'store' | 'instances'>> {
  const { pair, plan, postmaster } = options;
  const device = new BenchDevice(options.deviceServer.url, pair.device.id, pair.device.privateKey);
  await device.connect();
  try {
    options.log(`${options.label}: ${plan.samples} samples`);
    const serverCpu = options.servers.map((server) => new CpuWindow(server.pid));
    const postgresCpu = postmaster === null ? null : new CpuWindow(postmaster, treeCpuTimeMs);
    const machine = new MachineWindow(
      options.servers.map((server) => server.pid),
      postmaster === null ? [] : [postmaster],
    );
    const flow = await countersignFlow({
      server: options.requesterServer.url,
      target: device,
      apiKey: pair.apiKey,
      samples: plan.samples,
      warmup: plan.warmup,
      label: options.label,
    });
    const phase = {
      ...flow,
      requester_instance: options.requesterServer.name,
      device_instance: options.deviceServer.name,
      servers_cpu_percent: totalCpuPercent(serverCpu),
      postgres_cpu_percent: postgresCpu?.end().cpu_percent ?? null,
      machine_during: machine.end(),
    };
    options.log(
      `  request→push p50/p95/p99 ${flow.request_to_push.p50_ms}/${flow.request_to_push.p95_ms}/` +
        `${flow.request_to_push.p99_ms} ms, decision→requester p50/p95/p99 ${flow.decision_to_requester.p50_ms}/` +
        `${flow.decision_to_requester.p95_ms}/${flow.decision_to_requester.p99_ms} ms ` +
        `(servers ${phase.servers_cpu_percent}% CPU, PostgreSQL ${phase.postgres_cpu_percent ?? '–'}%, ` +
        `other processes ${phase.machine_during.other_processes_cpu_percent}%)`,
    );
    return phase;
  } finally {
    await device.close().catch(() => undefined);
  }
}

async function sqliteOneInstance(plan: BenchPlan, log: Log, cpuProfileDir?: string): Promise<ScaleOutPhase> {
  const dir = removeOnExit(await mkdtemp(join(tmpdir(), 'countersign-scale-out-')));
  const file = join(dir, 'countersign.db');
  try {
    const seeded = await seed(file, { workers: 0, idleDevices: 0, idleDevicesPerUser: 1 });
    const server = await startServerChild({ db: file, name: 'sqlite', cpuProfileDir });
    try {
      const phase = await measure({
        plan,
        log,
        label: '1 instance on SQLite',
        requesterServer: server,
        deviceServer: server,
        servers: [server],
        pair: seeded.target,
        postmaster: null,
      });
      return { store: 'sqlite', instances: 1, ...phase };
    } finally {
      await server.stop();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Requesters call the first server, devices connect to the last (the same one when there is one). */
function climb(plan: BenchPlan, log: Log, workers: SeededPair[], servers: ServerChild[], postmaster: number | null) {
  return throughput({
    server: servers[0]!.url,
    deviceServer: servers.at(-1)!.url,
    serverPids: servers.map((server) => server.pid),
    postmaster,
    workers,
    steps: plan.scaleOutThroughputSteps,
    stepSeconds: plan.throughputStepSeconds,
    warmupSeconds: plan.throughputWarmupSeconds,
    log,
  });
}

type Percentiles = Pick<LatencySummary, 'p50_ms' | 'p95_ms' | 'p99_ms'>;

const pick = ({ p50_ms, p95_ms, p99_ms }: LatencySummary): Percentiles => ({ p50_ms, p95_ms, p99_ms });
const percentiles = (phase: ScaleOutPhase) => ({
  request_to_push: pick(phase.request_to_push),
  decision_to_requester: pick(phase.decision_to_requester),
});

interface PostgresPhases {
  one: ScaleOutPhase;
  two: ScaleOutPhase;
  throughput: ScaleOutResults['throughput'];
}

/** Instance A alone, then A and B; every server stopped before it returns. */
async function postgresPhases(
  plan: BenchPlan,
  log: Log,
  db: string,
  seeded: Seeded,
  cpuProfileDir?: string,
): Promise<PostgresPhases> {
  const postmaster = await postmasterPid();
  // Every instance must seal TOTP secrets with the same key; nothing here uses TOTP, but the server wants one.
  const totpKey = randomBytes(32).toString('hex');
  const servers: ServerChild[] = [];
  try {
    const a = await startServerChild({ db, totpKey, name: 'A', cpuProfileDir });
    servers.push(a);
    const common = { plan, log, pair: seeded.target, postmaster };
    const one = await measure({
      ...common,
      label: '1 instance on PostgreSQL',
      requesterServer: a,
      deviceServer: a,
      servers: [a],
    });
    let throughputOne: ThroughputResult | null = null;
    if (plan.scaleOutThroughputSteps.length > 0) {
      log('throughput, 1 instance on PostgreSQL');
      throughputOne = await climb(plan, log, seeded.workers, [a], postmaster);
    }

    // B starts only now, so the one-instance figures above ran without a second listener on the database.
    const b = await startServerChild({ db, totpKey, name: 'B', cpuProfileDir });
    servers.push(b);
    const two = await measure({
      ...common,
      label: '2 instances on PostgreSQL (requester → A, device on B)',
      requesterServer: a,
      deviceServer: b,
      servers: [a, b],
    });
    let throughputTwo: ThroughputResult | null = null;
    if (plan.scaleOutThroughputSteps.length > 0) {
      log('throughput, 2 instances on PostgreSQL (requesters → A, devices on B)');
      throughputTwo = await climb(plan, log, seeded.workers, [a, b], postmaster);
    }
    return {
      one: { store: 'postgres', instances: 1, ...one },
      two: { store: 'postgres', instances: 2, ...two },
      throughput:
        throughputOne && throughputTwo
          ? { postgres_1_instance: throughputOne, postgres_2_instances: throughputTwo }
          : null,
    };
  } finally {
    await Promise.all(servers.map((server) => server.stop()));
  }
}

/** cpuProfileDir: profile every server (sqlite, A, B .cpuprofile) over its whole life. */
export async function scaleOutBenchmarks(plan: BenchPlan, log: Log, cpuProfileDir?: string): Promise<ScaleOutResults> {
  const sqlite = await sqliteOneInstance(plan, log, cpuProfileDir);

  const database = await createBenchDatabase();
  try {
    const workers = Math.max(0, ...plan.scaleOutThroughputSteps);
    log(`PostgreSQL: fresh database, seeding the target and ${workers} workers`);
    const seeded = await seed(database.url, { workers, idleDevices: 0, idleDevicesPerUser: 1 });
    const before = await database.totals();
    const postgres = await postgresPhases(plan, log, database.url, seeded, cpuProfileDir);
    const after = await database.totals();
    const sessions = after.sessions - before.sessions;
    const rolledBack = after.rolledBack - before.rolledBack;
    const transactions = {
      sessions_opened: sessions,
      committed: after.committed - before.committed,
      rolled_back: rolledBack,
      rolled_back_per_session: sessions > 0 ? round(rolledBack / sessions, 2) : null,
    };
    log(
      `PostgreSQL transactions: ${transactions.committed} committed, ${rolledBack} rolled back ` +
        `(${transactions.rolled_back_per_session} per session opened)`,
    );
    return {
      sqlite_measured: `in this suite, fresh database, ${plan.samples} samples after ${plan.warmup} warm-up (as the others)`,
      sqlite_1_instance: sqlite,
      postgres_1_instance: postgres.one,
      postgres_2_instances: postgres.two,
      throughput: postgres.throughput,
      postgres_transactions: transactions,
      summary: {
        sqlite_1_instance: percentiles(sqlite),
        postgres_1_instance: percentiles(postgres.one),
        postgres_2_instances: percentiles(postgres.two),
      },
    };
  } finally {
    await database.drop();
  }
}
