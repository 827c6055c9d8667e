// The floor: the same two hops through bench/floor-relay.ts (a relay that does no work), with the same numbers of
// connected sockets, so every Countersign latency can be put as a multiple of it.
import WebSocket from 'ws';
import { spawnChild, stopChild, waitForLine } from '../support/children.js';
import { ROOT } from '../support/countersign-process.js';
import { Fleet } from '../support/fleet.js';
import { GC_PROBE_FLAGS, type MemoryReading, memoryProbe, perConnection } from '../support/memory-probe.js';
import { MachineWindow } from '../support/proc-stats.js';
import { sleep } from '../support/stats.js';
import type { BenchPlan } from '../plan.js';
import { type FlowLatency, floorFlow } from './flow-latency.js';

export interface FloorResults {
  latency_by_sockets: Record<
    string,
    Pick<FlowLatency, 'request_to_push' | 'decision_to_requester'> & {
      connected_sockets: number;
      machine_during: ReturnType<MachineWindow['end']>;
    }
  >;
  /** What an idle socket costs a process that only holds it: Node + ws, none of our code. */
  memory: ReturnType<typeof perConnection> | null;
}

export async function floorBenchmarks(plan: BenchPlan, log: (line: string) => void): Promise<FloorResults> {
  const relay = spawnChild(process.execPath, [...GC_PROBE_FLAGS, 'bin/run-ts.mjs', 'bench/floor-relay.ts'], {
    cwd: ROOT,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const readMemory = memoryProbe(relay, '[relay]');
  const fleet = await Fleet.start();
  let socket: WebSocket | null = null;
  try {
    const url = (await waitForLine(relay, /listening on (http:\/\/\S+)/, 'floor relay'))[1]!;
    relay.stdout?.resume();
    const listeners = new Set<(text: string, at: number) => void>();
    socket = new WebSocket(`${url.replace(/^http/, 'ws')}/ws/target`, { perMessageDeflate: false });
    socket.on('message', (data) => {
      const at = performance.now();
      const text = data.toString();
      for (const listener of listeners) listener(text, at);
    });
    await new Promise<void>((resolve, reject) => {
      socket!.once('open', () => resolve());
      socket!.once('error', reject);
    });
    const target = {
      onMessage(listener: (text: string, at: number) => void) {
        listeners.add(listener);
        return () => listeners.delete(listener);
      },
    };

    const results: FloorResults['latency_by_sockets'] = {};
    let without: MemoryReading | null = null;
    let withAll: MemoryReading | null = null;
    const most = Math.max(...plan.deviceCounts);
    let connected = 1;
    for (const count of [...plan.deviceCounts].sort((a, b) => a - b)) {
      if (count > connected) {
        const status = await fleet.send({
          cmd: 'connect-relay',
          relay: url,
          count: count - connected,
          concurrency: 64,
        });
        if (status.connectFailures > 0) throw new Error(`fleet could not connect to the relay: ${status.firstFailure}`);
        connected = count;
        await sleep(500);
        if (connected === most) withAll = await readMemory();
      }
      log(`floor relay with ${connected} sockets: ${plan.samples} samples`);
      const machine = new MachineWindow([relay.pid!, fleet.pid]);
      const flow = await floorFlow({ relay: url, samples: plan.samples, warmup: plan.warmup, socket: target });
      results[`sockets_${connected}`] = { connected_sockets: connected, ...flow, machine_during: machine.end() };
      if (connected === 1) without = await readMemory();
      const at = results[`sockets_${connected}`]!;
      log(
        `  floor push p50/p99 ${at.request_to_push.p50_ms}/${at.request_to_push.p99_ms} ms, ` +
          `long-poll p50/p99 ${at.decision_to_requester.p50_ms}/${at.decision_to_requester.p99_ms} ms`,
      );
    }
    return {
      latency_by_sockets: results,
      memory: without && withAll ? perConnection(without, withAll, most - 1) : null,
    };
  } finally {
    socket?.terminate();
    await fleet.stop();
    await stopChild(relay);
  }
}
