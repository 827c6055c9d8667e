// A child process that holds thousands of idle push connections for the benchmarks: signed device streams to the
// approval server, or plain WebSockets to the floor relay. It lives in its own process so that the sockets count
// against its own file-descriptor limit and its pongs never delay the load generator's timing. Driven over IPC
// (support/fleet.ts is the other end): one command at a time, one reply each.
import WebSocket from 'ws';
import { BenchDevice, keepAliveAgent, sourceAddress } from './support/bench-device.js';

export type FleetCommand =
  | { cmd: 'connect-devices'; server: string; devices: { id: number; privateKey: string }[]; concurrency: number }
  | { cmd: 'connect-relay'; relay: string; count: number; concurrency: number }
  | { cmd: 'status' }
  | { cmd: 'close-all' };

export interface FleetStatus {
  open: number;
  /** Streams the far side closed while the fleet wanted them open, by close code. */
  dropped: Record<string, number>;
  connectFailures: number;
  firstFailure: string | null;
}

interface Held {
  close(): Promise<void>;
}

const held: Held[] = [];
const status: FleetStatus = { open: 0, dropped: {}, connectFailures: 0, firstFailure: null };
let closing = false;

function dropped(code: number): void {
  status.open -= 1;
  if (!closing) status.dropped[code] = (status.dropped[code] ?? 0) + 1;
}

async function inParallel(count: number, concurrency: number, open: (index: number) => Promise<void>) {
  let next = 0;
  const worker = async () => {
    while (next < count) {
      const index = next++;
      try {
        await open(index);
      } catch (error) {
        status.connectFailures += 1;
        status.firstFailure ??= String(error);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
}

async function connectDevices(command: Extract<FleetCommand, { cmd: 'connect-devices' }>) {
  const agent = keepAliveAgent();
  const offset = held.length;
  await inParallel(command.devices.length, command.concurrency, async (index) => {
    const { id, privateKey } = command.devices[index]!;
    const device = new BenchDevice(command.server, id, privateKey, agent);
    let opened = false;
    device.onClosed = (code) => opened && dropped(code);
    await device.connect(sourceAddress(offset + index));
    opened = true;
    status.open += 1;
    held.push({ close: () => device.close() });
  });
}

async function connectRelay(command: Extract<FleetCommand, { cmd: 'connect-relay' }>) {
  const offset = held.length;
  await inParallel(command.count, command.concurrency, async (index) => {
    const socket = new WebSocket(`${command.relay.replace(/^http/, 'ws')}/ws/idle-${offset + index}`, {
      perMessageDeflate: false,
      localAddress: sourceAddress(offset + index),
    });
    await new Promise<void>((resolve, reject) => {
      socket.once('open', () => resolve());
      socket.on('error', reject);
    });
    status.open += 1;
    socket.once('close', (code) => dropped(code));
    held.push({
      close: () =>
        new Promise<void>((resolve) => {
          if (socket.readyState === WebSocket.CLOSED) return resolve();
          socket.once('close', () => resolve());
          socket.close();
        }),
    });
  });
}

async function handle(command: FleetCommand): Promise<FleetStatus> {
  switch (command.cmd) {
    case 'connect-devices':
      await connectDevices(command);
      break;
    case 'connect-relay':
      await connectRelay(command);
      break;
    case 'close-all':
      closing = true;
      await Promise.all(held.splice(0).map((h) => h.close()));
      status.open = 0;
      closing = false;
      break;
    case 'status':
      break;
  }
  return { ...status, dropped: { ...status.dropped } };
}

if (!process.send) throw new Error('idle-fleet.ts runs as a child process with an IPC channel (support/fleet.ts).');
let queue = Promise.resolve();
process.on('message', (command: FleetCommand) => {
  queue = queue.then(async () => {
    try {
      process.send!({ ok: true, status: await handle(command) });
    } catch (error) {
      process.send!({ ok: false, error: String(error) });
    }
  });
});
// The parent is gone: nothing to hold connections for.
process.on('disconnect', () => process.exit(0));
process.send({ ready: true });
