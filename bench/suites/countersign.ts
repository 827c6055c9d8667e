// Everything measured against the real approval server, in one server life:
//   1 device → latency; idle baseline (RSS, CPU); 1 000 devices → latency; 10 000 devices → RSS, idle CPU, latency;
//   then the idle fleet leaves and the throughput climb runs.
// The server, the idle fleet and this load generator are three processes.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BenchDevice } from '../support/bench-device.js';
import { removeOnExit } from '../support/children.js';
import { startServerChild } from '../support/countersign-process.js';
import { Fleet } from '../support/fleet.js';
import { type MemoryReading, perConnection } from '../support/memory-probe.js';
import { CpuWindow, MachineWindow, round } from '../support/proc-stats.js';
import { seed } from '../support/seed.js';
import { sleep } from '../support/stats.js';
import type { BenchPlan } from '../plan.js';
import { countersignFlow, type FlowLatency } from './flow-latency.js';
import { type ThroughputResult, throughput } from './throughput.js';

export interface CountersignResults {
  latency_by_devices: Record<
    string,
    FlowLatency & { connected_devices: number; machine_during: ReturnType<MachineWindow['end']> }
  >;
  /** Null when only one device was connected (nothing to compare). */
  memory: (ReturnType<typeof perConnection> & { connect_seconds: number }) | null;
  idle_cpu: Record<string, { connected_devices: number; seconds: number; cpu_percent: number; cpu_ms: number }>;
  fleet: { dropped: Record<string, number>; connect_failures: number; first_failure: string | null };
  throughput: ThroughputResult;
}

export async function countersignBenchmarks(
  plan: BenchPlan,
  log: (line: string) => void,
  cpuProfileDir?: string,
): Promise<CountersignResults> {
  const dir = removeOnExit(await mkdtemp(join(tmpdir(), 'countersign-bench-')));
  const fleetSize = Math.max(...plan.deviceCounts) - 1;
  const devicesPerUser = 4;
  log(`seeding ${fleetSize} idle devices (${devicesPerUser} per user) and ${plan.throughputSteps.at(-1)} workers`);
  const seeded = await seed(join(dir, 'countersign.db'), {
    workers: Math.max(...plan.throughputSteps),
    idleDevices: fleetSize,
    idleDevicesPerUser: devicesPerUser,
  });
  const server = await startServerChild({ db: join(dir, 'countersign.db'), cpuProfileDir });
  const fleet = await Fleet.start();
  const target = new BenchDevice(server.url, seeded.target.device.id, seeded.target.device.privateKey);
  try {
    await target.connect();
    const latency: CountersignResults['latency_by_devices'] = {};
    const idleCpu: CountersignResults['idle_cpu'] = {};
    let connected = 1;
    let fleetConnectMs = 0;
    const measureIdle = async (label: string) => {
      const window = new CpuWindow(server.pid);
      await sleep(plan.idleWindowSeconds * 1000);
      idleCpu[label] = { connected_devices: connected, ...window.end() };
      log(`idle CPU with ${connected} devices: ${idleCpu[label]!.cpu_percent}% of a core`);
    };

    const maxDevices = Math.max(...plan.deviceCounts);
    let memoryWithout: MemoryReading | null = null;
    let memoryWith: MemoryReading | null = null;
    for (const count of [...plan.deviceCounts].sort((a, b) => a - b)) {
      if (count > connected) {
        const devices = seeded.idle.slice(connected - 1, count - 1);
        log(`connecting ${devices.length} more signed device streams (to ${count})`);
        const began = performance.now();
        const status = await fleet.send({ cmd: 'connect-devices', server: server.url, devices, concurrency: 64 });
        fleetConnectMs += performance.now() - began;
        if (status.connectFailures > 0) throw new Error(`fleet could not connect: ${status.firstFailure}`);
        connected = count;
        await sleep(1000);
      }
      log(`latency with ${connected} connected devices: ${plan.samples} samples`);
      const machine = new MachineWindow([server.pid, fleet.pid]);
      const flow = await countersignFlow({
        server: server.url,
        target,
        apiKey: seeded.target.apiKey,
        samples: plan.samples,
        warmup: plan.warmup,
        label: String(connected),
      });
      const at = { connected_devices: connected, ...flow, machine_during: machine.end() };
      latency[`devices_${connected}`] = at;
      log(
        `  request→push p50/p99 ${at.request_to_push.p50_ms}/${at.request_to_push.p99_ms} ms, ` +
          `decision→requester p50/p99 ${at.decision_to_requester.p50_ms}/${at.decision_to_requester.p99_ms} ms ` +
          `(other processes: ${at.machine_during.other_processes_cpu_percent}% CPU)`,
      );
      // RSS without and with the idle streams, each read after a full collection that follows the same thousand
      // approvals, so both come from a server in the same state apart from the connections.
      if (connected === 1) memoryWithout = await server.readMemory();
      if (connected === maxDevices && connected > 1) memoryWith = await server.readMemory();
      if (connected === 1 || connected === maxDevices) await measureIdle(`devices_${connected}`);
    }

    const added = connected - 1;
    const memory =
      memoryWithout && memoryWith
        ? { ...perConnection(memoryWithout, memoryWith, added), connect_seconds: round(fleetConnectMs / 1000, 1) }
        : null;
    if (memory) {
      log(`RSS per idle device connection: ${memory.rss_per_idle_connection_bytes} bytes (${added} connections)`);
    }

    const status = await fleet.send({ cmd: 'close-all' });
    await sleep(1000);
    log('throughput climb');
    const climb = await throughput({
      server: server.url,
      serverPids: [server.pid],
      workers: seeded.workers,
      steps: plan.throughputSteps,
      stepSeconds: plan.throughputStepSeconds,
      warmupSeconds: plan.throughputWarmupSeconds,
      log,
    });
    return {
      latency_by_devices: latency,
      memory,
      idle_cpu: idleCpu,
      fleet: { dropped: status.dropped, connect_failures: status.connectFailures, first_failure: status.firstFailure },
      throughput: climb,
    };
  } finally {
    await target.close().catch(() => undefined);
    await fleet.stop();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
