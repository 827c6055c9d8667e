// Memory and CPU of a process as the kernel counts them (/proc/<pid>/status and /proc/<pid>/stat), so the figures
// cover the whole server process — V8 heap, native buffers, libuv handles — and not only what V8 reports.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

export interface Memory {
  /** Resident set size, bytes. */
  rss: number;
  /** The anonymous part of the RSS (heap, buffers), bytes: what connections cost, without mapped files. */
  rssAnon: number;
}

export function memoryOf(pid: number): Memory {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? Number.NaN);
  return { rss: kib('VmRSS') * 1024, rssAnon: kib('RssAnon') * 1024 };
}

const CLOCK_TICKS_PER_SECOND = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU time (user + system) the process has used so far, in milliseconds. */
export function cpuTimeMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name (field 2) may contain spaces: count fields after its closing parenthesis.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return ((utime + stime) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Watches a process's CPU over a stretch of time; percent is of one core (200% = two cores busy). */
export class CpuWindow {
  private readonly startedAt = performance.now();
  private readonly startCpu: number;

  constructor(private readonly pid: number) {
    this.startCpu = cpuTimeMs(pid);
  }

  end(): { seconds: number; cpu_ms: number; cpu_percent: number } {
    const seconds = (performance.now() - this.startedAt) / 1000;
    const cpuMs = cpuTimeMs(this.pid) - this.startCpu;
    return { seconds: round(seconds, 2), cpu_ms: round(cpuMs, 0), cpu_percent: round(cpuMs / 10 / seconds, 2) };
  }
}

export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}
