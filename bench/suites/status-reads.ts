// Memory per status read: the V8 heap of the real server (after a full collection) after N and after 2N
// GET /v1/session-server-request/{uuid} reads of one request. A read that leaves something behind in an object that
// lives as long as the server shows as growth from N to 2N; a server that keeps nothing per read stays flat.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { removeOnExit } from '../support/children.js';
import { startServerChild } from '../support/countersign-process.js';
import type { MemoryReading } from '../support/memory-probe.js';
import { round } from '../support/proc-stats.js';
import { seed } from '../support/seed.js';
import type { BenchPlan } from '../plan.js';

/** Reads in flight at once (keep-alive connections of fetch). */
const CONCURRENCY = 8;
/** Reads before the baseline, so that lazily built things (prepared statements, JIT code) are in place. */
const WARMUP_READS = 2_000;

export interface StatusReadResults {
  reads_per_step: number;
  /** After a collection that follows the reads at once (as a heap snapshot would see it). */
  one_collection: HeapFigures;
  /**
   * After a second collection half a second later: whatever waited for a finalizer (the WeakRefs AbortSignal.any
   * keeps in its source signals are cleared by a FinalizationRegistry) is gone by then.
   */
  two_collections: HeapFigures;
  rss_after_n_mb: number;
  rss_after_2n_mb: number;
  reads_per_second: number;
  errors: number;
}

interface HeapFigures {
  heap_used_after_warmup_mb: number;
  heap_used_after_n_mb: number;
  heap_used_after_2n_mb: number;
  /** Heap growth from N to 2N reads, divided by N: what one read leaves behind. */
  heap_growth_per_read_bytes: number;
}

const mb = (bytes: number) => round(bytes / 2 ** 20, 2);

export async function statusReadBenchmarks(plan: BenchPlan, log: (line: string) => void): Promise<StatusReadResults> {
  const dir = removeOnExit(await mkdtemp(join(tmpdir(), 'countersign-bench-status-')));
  const seeded = await seed(join(dir, 'countersign.db'), { workers: 0, idleDevices: 0, idleDevicesPerUser: 1 });
  const server = await startServerChild({ db: join(dir, 'countersign.db'), name: 'status-reads' });
  try {
    const opened = await fetch(`${server.url}/v1/session-server`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ secret: seeded.target.apiKey }),
    });
    if (opened.status !== 202)
      throw new Error(`expected a PENDING request, got ${opened.status} ${await opened.text()}`);
    const { Response } = (await opened.json()) as { Response: [{ SessionServerRequest: { uuid: string } }] };
    const url = `${server.url}/v1/session-server-request/${Response[0].SessionServerRequest.uuid}`;
    let errors = 0;
    const readMany = async (count: number) => {
      let left = count;
      const worker = async () => {
        while (left > 0) {
          left -= 1;
          const reply = await fetch(url, { headers: { 'x-bunq-client-authentication': seeded.target.apiKey } });
          await reply.arrayBuffer();
          if (reply.status !== 200) errors += 1;
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
    };

    // Two readings per point: right after the reads, and after another collection.
    const measure = async (): Promise<[MemoryReading, MemoryReading]> => [
      await server.readMemory(),
      await server.readMemory(),
    ];
    const n = plan.statusReads;
    await readMany(WARMUP_READS);
    const warm = await measure();
    log(`status reads: ${n} reads, then ${n} more`);
    let readingMs = 0;
    const timed = async (count: number) => {
      const began = performance.now();
      await readMany(count);
      readingMs += performance.now() - began;
    };
    await timed(n);
    const afterN = await measure();
    await timed(n);
    const after2N = await measure();
    const figures = (i: 0 | 1): HeapFigures => ({
      heap_used_after_warmup_mb: mb(warm[i].heapUsed),
      heap_used_after_n_mb: mb(afterN[i].heapUsed),
      heap_used_after_2n_mb: mb(after2N[i].heapUsed),
      heap_growth_per_read_bytes: round((after2N[i].heapUsed - afterN[i].heapUsed) / n, 1),
    });
    const results: StatusReadResults = {
      reads_per_step: n,
      one_collection: figures(0),
      two_collections: figures(1),
      rss_after_n_mb: mb(afterN[1].rss),
      rss_after_2n_mb: mb(after2N[1].rss),
      reads_per_second: Math.round((2 * n) / (readingMs / 1000)),
      errors,
    };
    for (const [label, at] of [
      ['one collection', results.one_collection],
      ['two collections', results.two_collections],
    ] as const) {
      log(
        `  ${label}: heap after N ${at.heap_used_after_n_mb} MB, after 2N ${at.heap_used_after_2n_mb} MB ` +
          `(${at.heap_growth_per_read_bytes} bytes per read)`,
      );
    }
    return results;
  } finally {
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
