// Memory and CPU of a process as the kernel counts them (/proc/<pid>/status and /proc/<pid>/stat), so the figures
// cover the whole server process — V8 heap, native buffers, libuv handles — and not only what V8 reports.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

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

/** /proc/<pid>/stat from field 3 (state) on: the command name (field 2) may contain spaces, so fields are counted
 * after its closing parenthesis (index 0 = state, 1 = ppid, 11/12 = utime/stime, 13/14 = children's). */
function statFields(pid: number | string): string[] {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
}

/** CPU time (user + system) the process has used so far, in milliseconds. */
export function cpuTimeMs(pid: number): number {
  return ownCpuMs(statFields(pid));
}

/** User + system time of the stat fields' own process or thread (not its children's), in milliseconds. */
function ownCpuMs(fields: string[]): number {
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLOCK_TICKS_PER_SECOND;
}

/**
 * CPU time of a process's main thread alone (its thread id is the process id), in milliseconds. For a Node server
 * that is the event loop: what every request waits for, apart from libuv's thread pool, GC helpers and workers.
 */
export function mainThreadCpuTimeMs(pid: number): number {
  return ownCpuMs(statFields(`${pid}/task/${pid}`));
}

/** CPU ms per completed unit (approval, flow) from a percent of one core and a rate per second; NaN at rate 0. */
export function cpuMsPer(cpuPercent: number, perSecond: number): number {
  return perSecond > 0 ? round((cpuPercent * 10) / perSecond, 3) : Number.NaN;
}

/**
 * CPU time of a process and its children, in milliseconds: its own, its children's that have exited (the kernel
 * adds them to the parent when it reaps them) and those of the children still running. For a PostgreSQL postmaster
 * that is the whole cluster — every backend, short-lived or not.
 */
export function treeCpuTimeMs(root: number): number {
  const all = (fields: string[]) => fields.slice(11, 15).reduce((sum, ticks) => sum + Number(ticks), 0);
  let ticks = all(statFields(root));
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const fields = statFields(entry);
      if (Number(fields[1]) === root) ticks += all(fields);
    } catch {
      // Exited while the list was read: its time went to the parent's children's count.
    }
  }
  return (ticks * 1000) / CLOCK_TICKS_PER_SECOND;
}

/** Watches a process's CPU over a stretch of time; percent is of one core (200% = two cores busy). */
export class CpuWindow {
  private readonly startedAt = performance.now();
  private readonly startCpu: number;

  /** read: how the CPU time is counted (treeCpuTimeMs for a process and its children). */
  constructor(
    private readonly pid: number,
    private readonly read: (pid: number) => number = cpuTimeMs,
  ) {
    this.startCpu = read(pid);
  }

  end(): { seconds: number; cpu_ms: number; cpu_percent: number } {
    const seconds = (performance.now() - this.startedAt) / 1000;
    const cpuMs = this.read(this.pid) - this.startCpu;
    return { seconds: round(seconds, 2), cpu_ms: round(cpuMs, 0), cpu_percent: round(cpuMs / 10 / seconds, 2) };
  }
}

/** Several processes' windows ended and added up (percent of one core); NaN for none. */
export function totalCpuPercent(windows: CpuWindow[]): number {
  if (windows.length === 0) return Number.NaN;
  return round(
    windows.reduce((sum, window) => sum + window.end().cpu_percent, 0),
    2,
  );
}

export function round(value: number, digits: number): number {
  const scale = 10 ** digits;
  return Math.round(value * scale) / scale;
}

function machineTicks(): { busy: number; steal: number; total: number } {
  const line = readFileSync('/proc/stat', 'utf8').split('\n')[0]!;
  const [user, nice, system, idle, iowait, irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
  const busy = user! + nice! + system! + irq! + softirq!;
  return { busy, steal: steal!, total: busy + idle! + iowait! + steal! };
}

function cpuPressureMicros(): number | null {
  try {
    const some = /^some .* total=(\d+)/m.exec(readFileSync('/proc/pressure/cpu', 'utf8'));
    return some ? Number(some[1]) : null;
  } catch {
    return null;
  }
}

/**
 * What the whole machine did during a benchmark phase, so a latency spike can be told apart from someone else's
 * work: CPU used by processes other than the benchmark's own (of one core; 200% = both cores of a 2-core machine),
 * and the kernel's CPU pressure (share of the time some runnable task had to wait for a CPU).
 */
export class MachineWindow {
  private readonly startedAt = performance.now();
  private readonly ticks = machineTicks();
  private readonly pressure = cpuPressureMicros();
  private readonly ours: Map<number, number>;
  private readonly ourTrees: Map<number, number>;

  /**
   * pids: the benchmark's own processes (this one is counted automatically); trees: processes counted with all
   * their children (a PostgreSQL cluster the benchmark started).
   */
  constructor(pids: number[], trees: number[] = []) {
    this.ours = new Map([process.pid, ...pids].map((pid) => [pid, cpuTimeMs(pid)]));
    this.ourTrees = new Map(trees.map((pid) => [pid, treeCpuTimeMs(pid)]));
  }

  end() {
    const seconds = (performance.now() - this.startedAt) / 1000;
    const ticks = machineTicks();
    const busyMs = ((ticks.busy - this.ticks.busy) * 1000) / CLOCK_TICKS_PER_SECOND;
    let oursMs = 0;
    for (const [pid, before] of this.ours) {
      try {
        oursMs += cpuTimeMs(pid) - before;
      } catch {
        // The process has exited: its time is no longer counted anywhere.
      }
    }
    for (const [pid, before] of this.ourTrees) {
      try {
        oursMs += treeCpuTimeMs(pid) - before;
      } catch {
        // As above.
      }
    }
    const pressure = cpuPressureMicros();
    return {
      machine_cpu_percent: round(busyMs / 10 / seconds, 1),
      other_processes_cpu_percent: round(Math.max(0, busyMs - oursMs) / 10 / seconds, 1),
      steal_percent: round(((ticks.steal - this.ticks.steal) * 1000) / CLOCK_TICKS_PER_SECOND / 10 / seconds, 1),
      cpu_pressure_percent:
        pressure !== null && this.pressure !== null ? round((pressure - this.pressure) / 10_000 / seconds, 1) : null,
    };
  }
}
