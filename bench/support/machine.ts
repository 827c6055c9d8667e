// What the figures were measured on: they mean little without the machine.
import { cpus, freemem, loadavg, platform, release, totalmem } from 'node:os';

export function machineFacts() {
  const cores = cpus();
  return {
    cpus: cores.length,
    cpu_model: cores[0]?.model ?? 'unknown',
    node: process.version,
    platform: platform(),
    kernel: release(),
    total_memory_mb: Math.round(totalmem() / 2 ** 20),
    free_memory_mb_at_start: Math.round(freemem() / 2 ** 20),
    /** Other work on the machine while the benchmarks ran (1-minute load average), at start and at the end. */
    load_average_at_start: Math.round(loadavg()[0]! * 100) / 100,
  };
}
