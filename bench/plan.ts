// How much each benchmark does: the full run, and --quick (under a minute) for a first look.
export interface BenchPlan {
  quick: boolean;
  /** Connected devices (the target included) at which latency is measured; the largest also gives memory. */
  deviceCounts: number[];
  samples: number;
  warmup: number;
  idleWindowSeconds: number;
  throughputSteps: number[];
  throughputStepSeconds: number;
  throughputWarmupSeconds: number;
  /** Throughput climb of the scale-out suite (1 and 2 instances on PostgreSQL); empty skips it. */
  scaleOutThroughputSteps: number[];
  rendererSamples: number;
  /** Status reads per step of the status-reads suite (heap after N and after 2N). */
  statusReads: number;
}

export const fullPlan: BenchPlan = {
  quick: false,
  deviceCounts: [1, 1_000, 10_000],
  samples: 1_000,
  warmup: 50,
  idleWindowSeconds: 20,
  throughputSteps: [1, 4, 16, 64, 256],
  throughputStepSeconds: 8,
  throughputWarmupSeconds: 1,
  scaleOutThroughputSteps: [4, 16, 64],
  rendererSamples: 20,
  statusReads: 30_000,
};

/** 10 000 signed upgrades alone can take half a minute on a busy 2-core machine: the quick look stops at 1 000. */
export const quickPlan: BenchPlan = {
  quick: true,
  deviceCounts: [1, 1_000],
  samples: 100,
  warmup: 10,
  idleWindowSeconds: 3,
  throughputSteps: [1, 4, 16, 64],
  throughputStepSeconds: 2,
  throughputWarmupSeconds: 0.5,
  scaleOutThroughputSteps: [4, 16],
  rendererSamples: 20,
  statusReads: 10_000,
};
