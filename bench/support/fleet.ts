// The load generator's end of bench/idle-fleet.ts: starts the child and sends it one command at a time.
import type { ChildProcess } from 'node:child_process';
import type { FleetCommand, FleetStatus } from '../idle-fleet.js';
import { spawnChild, stopChild } from './children.js';
import { ROOT } from './countersign-process.js';

type Reply = { ok: true; status: FleetStatus } | { ok: false; error: string };

export class Fleet {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(private readonly child: ChildProcess) {}

  static async start(): Promise<Fleet> {
    const child = spawnChild(process.execPath, ['bin/run-ts.mjs', 'bench/idle-fleet.ts'], {
      cwd: ROOT,
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((resolve, reject) => {
      child.once('message', () => resolve());
      child.once('exit', (code) => reject(new Error(`idle fleet exited (${code}) before it was ready`)));
    });
    return new Fleet(child);
  }

  get pid(): number {
    return this.child.pid!;
  }

  send(command: FleetCommand): Promise<FleetStatus> {
    const result = this.queue.then(
      () =>
        new Promise<FleetStatus>((resolve, reject) => {
          const onExit = (code: number | null) => reject(new Error(`idle fleet exited (${code})`));
          this.child.once('exit', onExit);
          this.child.once('message', (reply: Reply) => {
            this.child.off('exit', onExit);
            if (reply.ok) resolve(reply.status);
            else reject(new Error(`idle fleet: ${reply.error}`));
          });
          this.child.send(command);
        }),
    );
    this.queue = result.catch(() => undefined);
    return result;
  }

  async stop(): Promise<void> {
    if (this.child.connected) this.child.disconnect();
    await stopChild(this.child, 'SIGTERM', 10_000);
  }
}
