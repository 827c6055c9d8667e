// Memory readings of a child process taken after a full garbage collection, so RSS is read without garbage a
// collection would have freed anyway. The child is started with GC_PROBE_FLAGS: --expose-gc plus a preloaded
// handler that, on SIGUSR2, collects and prints V8's own account of the heap on stderr (a line this module reads
// back). It adds no code path the measured program itself runs.
import type { ChildProcess } from 'node:child_process';
import { memoryOf } from './proc-stats.js';
import { STATEMENTS_LINE } from './statement-counts.js';
import { sleep } from './stats.js';

const PROBE = `data:text/javascript,${encodeURIComponent(
  "process.on('SIGUSR2', () => { globalThis.gc(); process.stderr.write('bench-memory ' + JSON.stringify(process.memoryUsage()) + '\\n'); });",
)}`;
export const GC_PROBE_FLAGS = ['--expose-gc', '--import', PROBE];
const MEMORY_LINE = /^bench-memory (\{.*\})$/m;

export interface MemoryReading {
  /** Resident set size from /proc, bytes. */
  rss: number;
  rssAnon: number;
  /** V8 heap in use after the collection, bytes. */
  heapUsed: number;
  /** V8 heap committed (heapTotal): what is in use, plus room V8 keeps, above all its young generation. */
  heapCommitted: number;
}

/**
 * Reads the child's stderr: memory reports are kept for readMemory(), every other line is passed on with a prefix
 * (the child's stderr must be piped).
 */
export function memoryProbe(child: ChildProcess, prefix: string): () => Promise<MemoryReading> {
  let waiting: ((usage: NodeJS.MemoryUsage) => void) | null = null;
  child.stderr?.on('data', (chunk: Buffer) => {
    const text = chunk.toString();
    const report = MEMORY_LINE.exec(text);
    if (report) waiting?.(JSON.parse(report[1]!) as NodeJS.MemoryUsage);
    const rest = text.replace(MEMORY_LINE, '').replace(STATEMENTS_LINE, '').trim();
    if (rest) process.stderr.write(`${prefix} ${rest}\n`);
  });
  return async () => {
    const usage = new Promise<NodeJS.MemoryUsage>((resolve) => {
      waiting = resolve;
    });
    child.kill('SIGUSR2');
    const { heapUsed, heapTotal } = await usage;
    // Let the allocator hand freed pages back before /proc is read.
    await sleep(500);
    return { ...memoryOf(child.pid!), heapUsed, heapCommitted: heapTotal };
  };
}

/** (with − without) / connections, for each figure. */
export function perConnection(without: MemoryReading, withAll: MemoryReading, connections: number) {
  const each = (a: number, b: number) => Math.round((b - a) / Math.max(1, connections));
  return {
    connections_added: connections,
    rss_without_mb: Math.round((without.rss / 2 ** 20) * 10) / 10,
    rss_with_mb: Math.round((withAll.rss / 2 ** 20) * 10) / 10,
    rss_per_idle_connection_bytes: each(without.rss, withAll.rss),
    rss_anon_per_idle_connection_bytes: each(without.rssAnon, withAll.rssAnon),
    /** The part of it that is JavaScript objects (V8 heap in use after a full collection). */
    heap_used_per_idle_connection_bytes: each(without.heapUsed, withAll.heapUsed),
    /**
     * V8 heap committed: in use plus what V8 keeps besides. The gap to heap_used is mostly the young generation,
     * which V8 grows while many new objects survive (connecting thousands of streams) and a full collection does
     * not shrink (on a 24 GB machine up to 128 MiB on Node 24, 32 MiB on Node 20; --max-semi-space-size caps
     * it). That part comes from the connections' arrival, not from what each one keeps.
     */
    heap_committed_per_idle_connection_bytes: each(without.heapCommitted, withAll.heapCommitted),
  };
}
