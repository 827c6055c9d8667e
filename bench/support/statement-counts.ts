// Reads the statement counts of a server started with STATEMENT_PROBE_FLAGS (bench/support/statement-probe.mjs,
// preloaded): SIGWINCH makes it print every count so far, and SQLite's time, on stderr as one
// "bench-statements {json}" line.
import type { ChildProcess } from 'node:child_process';

export const STATEMENT_PROBE_FLAGS = ['--import', new URL('statement-probe.mjs', import.meta.url).href];
export const STATEMENTS_LINE = /^bench-statements (\{.*\})$/m;

/** Executions so far, by SQL text. */
export type StatementCounts = Record<string, number>;

/** What the probe has seen so far: executions, and microseconds inside better-sqlite3 (none for pg), by SQL text. */
export interface StatementReading {
  counts: StatementCounts;
  micros: StatementCounts;
}

/** The child's stderr must be piped; the report line is consumed by memoryProbe's filter (never passed on). */
export function statementReader(child: ChildProcess): () => Promise<StatementReading> {
  let buffered = '';
  let waiting: ((reading: StatementReading) => void) | null = null;
  child.stderr?.on('data', (chunk: Buffer) => {
    buffered = (buffered + chunk.toString()).slice(-4_000_000);
    const report = STATEMENTS_LINE.exec(buffered);
    if (!report) return;
    buffered = '';
    waiting?.(JSON.parse(report[1]!) as StatementReading);
    waiting = null;
  });
  return () => {
    const reading = new Promise<StatementReading>((resolve) => {
      waiting = resolve;
    });
    child.kill('SIGWINCH');
    return reading;
  };
}

/** after − before, by SQL text, leaving out texts that did not run in between (counts or micros alike). */
export function countsBetween(before: StatementCounts, after: StatementCounts): StatementCounts {
  const between: StatementCounts = {};
  for (const [text, count] of Object.entries(after)) {
    const ran = count - (before[text] ?? 0);
    if (ran > 0) between[text] = ran;
  }
  return between;
}

export function total(counts: StatementCounts): number {
  return Object.values(counts).reduce((sum, count) => sum + count, 0);
}
