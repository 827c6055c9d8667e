// Whether Ed25519 verification should leave the event loop. A push approval verifies two device signatures (the
// signed decision call's headers and the decision itself), each with the device's parsed key from the cache. This
// suite measures, in this process with the project's own verifySignature: one verification inline; the same work
// handed to a worker thread and its answer awaited (what a signed call would wait for); and how many verifications
// per second the main thread gets through with 16 in flight inline vs spread over a pool of worker threads, with
// the main thread's own CPU time per verification (what the event loop still pays to hand one off). The same two
// figures for verifySignatureOffThread, which the server uses: Node's asynchronous crypto.verify (a callback; the
// work runs on libuv's thread pool, with no structured clone of a message), the cheapest way off the event loop.
import { cpus } from 'node:os';
import { Worker } from 'node:worker_threads';
import {
  generateDeviceKeyPair,
  privateKeyObject,
  publicKeyObject,
  signText,
  verifySignature,
  verifySignatureOffThread,
} from '../../protocol/crypto.js';
import type { BenchPlan } from '../plan.js';
import { round } from '../support/proc-stats.js';

/** A device-signed call's canonical text is about this long (method, path, timestamp, nonce, body hash). */
const TEXT = `POST\n/v1/session-server-request/${'0'.repeat(36)}/decision\n1796160607109\n${'n'.repeat(22)}\n${'h'.repeat(43)}`;

// The worker verifies with the same function as the server; it gets the raw key once and keeps the KeyObject.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { createPublicKey, verify } = require('node:crypto');
const key = createPublicKey({ key: Buffer.from(workerData.spki), format: 'der', type: 'spki' });
parentPort.on('message', ({ id, text, signature }) => {
  let ok = false;
  try { ok = verify(null, Buffer.from(text, 'utf8'), key, signature); } catch {}
  parentPort.postMessage({ id, ok });
});`;

interface Pool {
  verify(text: string, signature: Uint8Array): Promise<boolean>;
  close(): Promise<void>;
}

function workerPool(size: number, spki: Buffer): Pool {
  const workers = Array.from({ length: size }, () => new Worker(WORKER_SOURCE, { eval: true, workerData: { spki } }));
  const waiting = new Map<number, (ok: boolean) => void>();
  for (const worker of workers) {
    worker.on('message', ({ id, ok }: { id: number; ok: boolean }) => {
      waiting.get(id)?.(ok);
      waiting.delete(id);
    });
  }
  let next = 0;
  return {
    verify: (text, signature) =>
      new Promise((done) => {
        const id = next++;
        waiting.set(id, done);
        workers[id % size]!.postMessage({ id, text, signature });
      }),
    close: async () => {
      await Promise.all(workers.map((worker) => worker.terminate()));
    },
  };
}

/** µs a caller waits for one verification, one at a time (after 500 to warm up). */
async function roundTripUs(verifyOnce: () => Promise<boolean>, count: number): Promise<number> {
  for (let i = 0; i < 500; i += 1) await verifyOnce();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < count; i += 1) await verifyOnce();
  return Number(process.hrtime.bigint() - t0) / 1000 / count;
}

/** Verifications per second with `inFlight` at a time, and the main thread's CPU µs per verification. */
async function rate(verifyOnce: () => Promise<boolean>, total: number, inFlight: number) {
  let started = 0;
  const cpu0 = process.threadCpuUsage(); // this thread only: the workers' time is not the event loop's
  const t0 = performance.now();
  const lane = async () => {
    while (started < total) {
      started += 1;
      if (!(await verifyOnce())) throw new Error('a valid signature did not verify');
    }
  };
  await Promise.all(Array.from({ length: inFlight }, lane));
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.threadCpuUsage(cpu0);
  return {
    per_second: Math.round(total / seconds),
    main_thread_cpu_us_per_verification: round((cpu.user + cpu.system) / total, 1),
  };
}

export async function signatureBenchmarks(plan: BenchPlan, log: (line: string) => void) {
  const pair = generateDeviceKeyPair();
  const publicKey = publicKeyObject(pair.publicKey);
  const signature = Buffer.from(signText(privateKeyObject(pair.privateKey), TEXT), 'base64url');
  const spki = publicKey.export({ format: 'der', type: 'spki' });
  const total = plan.quick ? 5_000 : 20_000;
  const serial = plan.quick ? 2_000 : 5_000;

  log('signatures: inline verification');
  for (let i = 0; i < 1_000; i += 1) verifySignature(publicKey, TEXT, signature);
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < total; i += 1) verifySignature(publicKey, TEXT, signature);
  const inlineUs = Number(process.hrtime.bigint() - t0) / 1000 / total;
  const inline = await rate(async () => verifySignature(publicKey, TEXT, signature), total, 16);

  log('signatures: libuv thread pool (asynchronous crypto.verify)');
  const onThreadPool = () => verifySignatureOffThread(publicKey, TEXT, signature);
  const threadPoolRoundTripUs = await roundTripUs(onThreadPool, serial);
  const threadPool = await rate(onThreadPool, total, 16);

  const poolSize = Math.max(1, cpus().length - 1);
  log(`signatures: worker threads (1 for the round trip, ${poolSize} for the pool)`);
  const single = workerPool(1, spki);
  let workerRoundTripUs: number;
  try {
    workerRoundTripUs = await roundTripUs(() => single.verify(TEXT, signature), serial);
  } finally {
    await single.close();
  }
  const pool = workerPool(poolSize, spki);
  try {
    await rate(() => pool.verify(TEXT, signature), 1_000, 16);
    const pooled = await rate(() => pool.verify(TEXT, signature), total, 16);
    return {
      cores: cpus().length,
      verifications_per_push_approval: 2,
      inline_verify_us: round(inlineUs, 1),
      worker_round_trip_us: round(workerRoundTripUs, 1),
      inline_16_in_flight: inline,
      worker_pool: { workers: poolSize, ...pooled },
      thread_pool_round_trip_us: round(threadPoolRoundTripUs, 1),
      thread_pool_16_in_flight: threadPool,
    };
  } finally {
    await pool.close();
  }
}
