// npm run bench [-- --quick] [-- --only countersign,floor,renderer,scale-out,gateway,status-reads,ciba-peer,statements,
//                 webhooks,geoip,signatures,sqlite-processes] [-- --devices 1,1000,10000]
//               [-- --profile]
// Runs every benchmark on loopback and prints ONE JSON object of figures on stdout (progress goes to stderr); the
// same object is written to bench/results/<timestamp>.json. Benchmarks measure and report: nothing here passes or
// fails on a time. --profile also records a V8 CPU profile of every server process and summarises its top frames. The scale-out suite needs PostgreSQL: the npm script runs this under scripts/with-postgres.sh.
import { mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { fullPlan, quickPlan } from './plan.js';
import { killAllChildren, killChildrenOnExit } from './support/children.js';
import { ROOT } from './support/countersign-process.js';
import { summarizeCpuProfile } from './support/cpu-profile.js';
import { machineFacts } from './support/machine.js';
import { cpuMsPer } from './support/proc-stats.js';
import { ratioToFloor } from './support/stats.js';
import { type CibaPeerResults, cibaPeerBenchmarks } from './suites/ciba-peer.js';
import { type CountersignResults, countersignBenchmarks } from './suites/countersign.js';
import { type FloorResults, floorBenchmarks } from './suites/floor.js';
import { gatewayBenchmarks } from './suites/gateway.js';
import { geoipBenchmarks } from './suites/geoip.js';
import { type RendererResults, rendererBenchmarks } from './suites/renderer.js';
import { scaleOutBenchmarks } from './suites/scale-out.js';
import { statusReadBenchmarks } from './suites/status-reads.js';
import { signatureBenchmarks } from './suites/signatures.js';
import { sqliteProcessBenchmarks } from './suites/sqlite-processes.js';
import { statementBenchmarks } from './suites/statements.js';
import { webhookBenchmarks } from './suites/webhooks.js';

const SUITES = [
  'countersign',
  'floor',
  'renderer',
  'scale-out',
  'gateway',
  'status-reads',
  'ciba-peer',
  'statements',
  'webhooks',
  'geoip',
  'signatures',
  'sqlite-processes',
] as const;

const log = (line: string) => process.stderr.write(`bench: ${line}\n`);

/** The latency and size targets, beside the figure each is judged on (latency at the most devices this run connected). */
function targets(countersign: CountersignResults | null, renderer: RendererResults | null) {
  const most = Object.values(countersign?.latency_by_devices ?? {}).sort(
    (a, b) => b.connected_devices - a.connected_devices,
  )[0];
  const row = (figure: number | undefined, below: number, unit: string, extra: object = {}) =>
    figure === undefined ? null : { figure, target_below: below, unit, met: figure < below, ...extra };
  const devices = { connected_devices: most?.connected_devices, target_at_devices: 10_000 };
  return {
    request_to_push_p99: row(most?.request_to_push.p99_ms, 5, 'ms', devices),
    decision_to_requester_p99: row(most?.decision_to_requester.p99_ms, 10, 'ms', devices),
    rss_per_idle_device_connection: row(countersign?.memory?.rss_per_idle_connection_bytes, 4096, 'bytes', {
      connections: countersign?.memory?.connections_added,
    }),
    renderer_bundle_gzip: row(renderer?.bundle.js_css_gzip_kb, 150, 'KB'),
    approval_window_visible_median: row(renderer?.window_visible.median_ms, 100, 'ms'),
  };
}

/**
 * Every Countersign latency as a multiple of the floor relay's at the same number of connected sockets, and the
 * memory of an idle device stream as a multiple of an idle socket on the relay.
 */
function ratios(countersign: CountersignResults, floor: FloorResults) {
  const latency: Record<string, unknown> = {};
  for (const [key, measured] of Object.entries(countersign.latency_by_devices)) {
    const base = floor.latency_by_sockets[`sockets_${measured.connected_devices}`];
    if (!base) continue;
    latency[key] = {
      request_to_push: ratioToFloor(measured.request_to_push, base.request_to_push),
      decision_to_requester: ratioToFloor(measured.decision_to_requester, base.decision_to_requester),
    };
  }
  const ours = countersign.memory;
  const bare = floor.memory;
  return {
    latency,
    rss_per_idle_connection:
      ours && bare
        ? Math.round((ours.rss_per_idle_connection_bytes / bare.rss_per_idle_connection_bytes) * 100) / 100
        : null,
  };
}

/**
 * Countersign's throughput step against the CIBA peer's at the same concurrency: completed push approvals per
 * second over the peer's completed flows per second (above 1: ours does more per second), and the p50 and p99 of a
 * flow as ours over the peer's (below 1: ours is quicker), and each server's CPU per completed flow.
 */
function ratiosToPeer(countersign: CountersignResults, peer: CibaPeerResults) {
  const byConcurrency: Record<string, unknown> = {};
  for (const theirs of peer.steps) {
    const ours = countersign.throughput.steps.find((step) => step.concurrency === theirs.concurrency);
    if (!ours) continue;
    const ratio = (a: number, b: number) => Math.round((a / b) * 100) / 100;
    byConcurrency[`concurrency_${theirs.concurrency}`] = {
      ours_per_second: ours.approvals_per_second,
      peer_per_second: theirs.flows_per_second,
      per_second: ratio(ours.approvals_per_second, theirs.flows_per_second),
      p50: ratio(ours.approval_latency.p50_ms, theirs.flow_latency.p50_ms),
      p99: ratio(ours.approval_latency.p99_ms, theirs.flow_latency.p99_ms),
      ours_server_cpu_percent: ours.server_cpu_percent,
      ours_server_main_thread_cpu_percent: ours.server_main_thread_cpu_percent,
      ours_server_cpu_ms_per_approval: ours.server_cpu_ms_per_approval,
      ours_server_main_thread_cpu_ms_per_approval: ours.server_main_thread_cpu_ms_per_approval,
      peer_server_cpu_percent: theirs.server_cpu_percent,
      peer_server_cpu_ms_per_flow: cpuMsPer(theirs.server_cpu_percent, theirs.flows_per_second),
      // What each gets done per core-second of its server: approvals per CPU second over flows per CPU second.
      per_server_cpu_second: ratio(
        ours.approvals_per_second / ours.server_cpu_percent,
        theirs.flows_per_second / theirs.server_cpu_percent,
      ),
    };
  }
  return byConcurrency;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      only: { type: 'string' },
      devices: { type: 'string' },
    },
  });
  const only = values.only ? values.only.split(',') : [...SUITES];
  const unknown = only.filter((name) => !(SUITES as readonly string[]).includes(name));
  if (unknown.length > 0) throw new Error(`--only takes ${SUITES.join(', ')} (got ${unknown.join(', ')})`);
  const plan = { ...(values.quick ? quickPlan : fullPlan) };
  // e.g. --devices 1 to profile the approval path alone, without 10 000 upgrades in the profile.
  if (values.devices) plan.deviceCounts = values.devices.split(',').map(Number);
  if (!plan.deviceCounts.includes(1) || plan.deviceCounts.some((n) => !Number.isInteger(n) || n < 1)) {
    throw new Error(`--devices takes whole numbers and must include 1 (got ${values.devices})`);
  }
  killChildrenOnExit();
  const startedAt = new Date();
  const machine = machineFacts();
  log(`${values.quick ? 'quick' : 'full'} run: ${only.join(', ')}`);

  const profileDir = values.profile ? await mkdtemp(join(tmpdir(), 'countersign-profile-')) : undefined;
  const countersign = only.includes('countersign') ? await countersignBenchmarks(plan, log, profileDir) : null;
  const floor = only.includes('floor') ? await floorBenchmarks(plan, log) : null;
  const renderer = only.includes('renderer') ? await rendererBenchmarks(plan.rendererSamples, log) : null;
  const scaleOut = only.includes('scale-out') ? await scaleOutBenchmarks(plan, log, profileDir) : null;
  const gateway = only.includes('gateway') ? await gatewayBenchmarks(plan, log) : null;
  const statusReads = only.includes('status-reads') ? await statusReadBenchmarks(plan, log) : null;
  const cibaPeer = only.includes('ciba-peer') ? await cibaPeerBenchmarks(plan, log) : null;
  const statements = only.includes('statements') ? await statementBenchmarks(log) : null;
  const webhooks = only.includes('webhooks') ? await webhookBenchmarks(plan, log) : null;
  const geoip = only.includes('geoip') ? await geoipBenchmarks(plan, log) : null;
  const signatures = only.includes('signatures') ? await signatureBenchmarks(plan, log) : null;
  const sqliteProcesses = only.includes('sqlite-processes') ? await sqliteProcessBenchmarks(plan, log) : null;

  // server.cpuprofile is the countersign suite's server; the scale-out suite's are sqlite, A and B.
  let serverProfile = null;
  const scaleOutProfiles: Record<string, Awaited<ReturnType<typeof summarizeCpuProfile>>> = {};
  if (profileDir) {
    for (const file of (await readdir(profileDir)).filter((name) => name.endsWith('.cpuprofile')).sort()) {
      const summary = await summarizeCpuProfile(join(profileDir, file));
      if (file === 'server.cpuprofile') serverProfile = summary;
      else scaleOutProfiles[file.replace(/\.cpuprofile$/, '')] = summary;
    }
  }
  const result = {
    started_at: startedAt.toISOString(),
    duration_seconds: Math.round((Date.now() - startedAt.getTime()) / 1000),
    mode: values.quick ? 'quick' : 'full',
    machine: { ...machine, load_average_at_end: Math.round(loadavg()[0]! * 100) / 100 },
    plan,
    targets: targets(countersign, renderer),
    countersign,
    floor,
    ratio_to_floor: countersign && floor ? ratios(countersign, floor) : null,
    renderer,
    scale_out: scaleOut,
    gateway,
    status_reads: statusReads,
    ciba_peer: cibaPeer,
    ratio_to_ciba_peer: countersign && cibaPeer ? ratiosToPeer(countersign, cibaPeer) : null,
    statements_per_push_approval: statements,
    webhooks,
    geoip,
    signatures,
    sqlite_processes: sqliteProcesses,
    ...(serverProfile ? { server_cpu_profile: serverProfile } : {}),
    ...(Object.keys(scaleOutProfiles).length > 0 ? { scale_out_cpu_profiles: scaleOutProfiles } : {}),
  };
  const json = JSON.stringify(result, null, 2);
  const dir = join(ROOT, 'bench', 'results');
  await mkdir(dir, { recursive: true });
  const file = join(dir, `${startedAt.toISOString().replace(/[:.]/g, '-')}.json`);
  await writeFile(file, `${json}\n`);
  log(`written to ${file}`);
  if (result.ratio_to_ciba_peer) log(`ours / CIBA peer: ${JSON.stringify(result.ratio_to_ciba_peer)}`);
  if (statements) {
    log(
      `per push approval: ${statements.sqlite.per_approval} statements on SQLite, ` +
        `${statements.postgres?.per_approval ?? 'not counted'} round trips on PostgreSQL`,
    );
  }
  process.stdout.write(`${json}\n`);
}

try {
  await main();
} catch (error) {
  log(`failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  killAllChildren();
  // A suite that failed half-way may leave a server or socket open, which would keep the process alive: a failed
  // run ends here, with its code, rather than hang.
  process.exit(1);
}
killAllChildren();
