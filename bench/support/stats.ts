// Latency summaries: nearest-rank percentiles over every sample (no histogram bucketing), in milliseconds.
import { round } from './proc-stats.js';

export interface LatencySummary {
  samples: number;
  p50_ms: number;
  p95_ms: number;
  p99_ms: number;
  max_ms: number;
  mean_ms: number;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = Math.ceil((p / 100) * sorted.length);
  return sorted[Math.min(sorted.length, Math.max(1, rank)) - 1]!;
}

export function summarize(samplesMs: number[]): LatencySummary {
  const sorted = [...samplesMs].sort((a, b) => a - b);
  const mean = sorted.reduce((sum, v) => sum + v, 0) / Math.max(1, sorted.length);
  return {
    samples: sorted.length,
    p50_ms: round(percentile(sorted, 50), 3),
    p95_ms: round(percentile(sorted, 95), 3),
    p99_ms: round(percentile(sorted, 99), 3),
    max_ms: round(sorted.at(-1) ?? Number.NaN, 3),
    mean_ms: round(mean, 3),
  };
}

export function median(values: number[]): number {
  return percentile(
    [...values].sort((a, b) => a - b),
    50,
  );
}

/** Each percentile of a measured latency divided by the same percentile of the floor. */
export function ratioToFloor(measured: LatencySummary, floor: LatencySummary) {
  return {
    p50: round(measured.p50_ms / floor.p50_ms, 2),
    p95: round(measured.p95_ms / floor.p95_ms, 2),
    p99: round(measured.p99_ms / floor.p99_ms, 2),
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
