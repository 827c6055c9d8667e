// The gateway's cost: added latency per forwarded request (p50/p99) against calling nginx directly, measured in one
// run with the two kinds of call interleaved (so machine noise falls on both alike); the introspection call alone,
// which is most of that cost; and the gateway's memory while it streams a large file (no buffering: its RSS must
// not grow with the file). Real parts in their own processes: countersign-server (SQLite), Debian's nginx and
// node bin/countersign-gateway.mjs as operators start them.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { Agent, request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AdminCommands } from '../../server/admin/commands.js';
import { startNginx } from '../../test/gateway/support/nginx.js';
import { removeOnExit, spawnChild, stopChild, waitForLine } from '../support/children.js';
import { ROOT, startServerChild } from '../support/countersign-process.js';
import { MachineWindow, memoryOf, round } from '../support/proc-stats.js';
import { type LatencySummary, summarize } from '../support/stats.js';
import type { BenchPlan } from '../plan.js';

export interface GatewayResults {
  samples: number;
  direct_to_nginx: LatencySummary;
  through_gateway: LatencySummary;
  added_p50_ms: number;
  added_p99_ms: number;
  /** POST /v1/session-server/introspect alone, as the gateway makes it on every request (no cache). */
  introspection_alone: LatencySummary;
  machine_during: ReturnType<MachineWindow['end']>;
  streaming: {
    bytes: number;
    seconds: number;
    mb_per_second: number;
    gateway_rss_before_bytes: number;
    gateway_rss_peak_bytes: number;
    gateway_rss_growth_bytes: number;
    /** The reader stops for 2 s after the first chunk: a gateway that buffered would fill up with the file here. */
    paused_reader_rss_growth_bytes: number;
  };
}

const agent = new Agent({ keepAlive: true, maxSockets: 1 });

/**
 * One GET over a kept-alive connection; resolves with the status and the time to the last body byte. With
 * pauseMs, the reader stops reading after the first chunk for that long and calls onPause(start|end) around it.
 */
function timedGet(
  url: string,
  headers: Record<string, string>,
  pause?: { ms: number; onPause: (at: 'start' | 'end') => void },
) {
  return new Promise<{ status: number; ms: number; bytes: number }>((resolve, reject) => {
    const started = performance.now();
    let bytes = 0;
    let paused = false;
    const req = request(url, { headers, agent }, (res) => {
      res.on('data', (chunk: Buffer) => {
        bytes += chunk.length;
        if (pause && !paused) {
          paused = true;
          res.pause();
          pause.onPause('start');
          setTimeout(() => {
            pause.onPause('end');
            res.resume();
          }, pause.ms);
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, ms: performance.now() - started, bytes }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end();
  });
}

function timedPost(url: string, headers: Record<string, string>, body: string) {
  return new Promise<number>((resolve, reject) => {
    const started = performance.now();
    const req = request(
      url,
      { method: 'POST', headers: { ...headers, 'content-type': 'application/json' }, agent },
      (res) => {
        res.resume();
        res.on('end', () => resolve(performance.now() - started));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

export async function gatewayBenchmarks(plan: BenchPlan, log: (line: string) => void): Promise<GatewayResults> {
  const dir = removeOnExit(await mkdtemp(join(tmpdir(), 'countersign-bench-gateway-')));
  const secret = `bench-upstream-${randomBytes(16).toString('hex')}`;
  const introspectionSecret = randomBytes(24).toString('hex');
  const streamBytes = (plan.quick ? 64 : 256) * 1024 * 1024;
  const db = join(dir, 'countersign.db');
  const admin = await AdminCommands.open(db);
  await admin.createUser('bench');
  const key = await admin.createKey({ user: 'bench', name: 'bench', mode: 'ip-only', ips: ['127.0.0.1'] });
  await admin.close();
  const server = await startServerChild({ db, env: { COUNTERSIGN_INTROSPECTION_SECRET: introspectionSecret } });
  const nginx = await startNginx({ dir: join(dir, 'nginx'), secret, bigFileBytes: streamBytes });
  await writeFile(join(dir, 'upstream.secret'), secret);
  await writeFile(join(dir, 'introspection.secret'), introspectionSecret);
  const header = { header: 'Authorization', value: 'Bearer {secret}' };
  const upstream = (name: string, prefix: string, path: string) => ({
    name,
    prefix,
    url: `${nginx.url}${path}`,
    keys: [key.id],
    inject: header,
    secret: { file: 'upstream.secret' },
  });
  await writeFile(
    join(dir, 'gateway.json'),
    JSON.stringify({
      server: server.url,
      introspection_secret_file: 'introspection.secret',
      upstreams: [upstream('api', '/api', '/hdr'), upstream('files', '/files', '/big')],
    }),
  );
  const gateway = spawnChild(
    process.execPath,
    [join(ROOT, 'bin/countersign-gateway.mjs'), '--config', join(dir, 'gateway.json'), '--listen', '127.0.0.1:0'],
    { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  try {
    const gatewayUrl = (await waitForLine(gateway, /listening on (http:\/\/\S+?);/, 'countersign-gateway'))[1]!;
    gateway.stdout?.resume();
    const opened = await new Promise<string>((resolve, reject) => {
      const req = request(
        `${server.url}/v1/session-server`,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => {
          let text = '';
          res.on('data', (chunk: Buffer) => {
            text += chunk;
          });
          res.on('end', () => resolve(JSON.parse(text).Response[1].Token.token as string));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ secret: key.api_key }));
    });
    const direct = { url: `${nginx.url}/hdr/bench`, headers: { authorization: `Bearer ${secret}` } };
    const through = { url: `${gatewayUrl}/api/bench`, headers: { 'x-bunq-client-authentication': opened } };
    for (let i = 0; i < plan.warmup * 4; i++) {
      await timedGet(direct.url, direct.headers);
      await timedGet(through.url, through.headers);
    }
    log(`gateway: ${plan.samples} interleaved requests, direct and through the gateway`);
    const directMs: number[] = [];
    const throughMs: number[] = [];
    const introspectMs: number[] = [];
    const window = new MachineWindow([server.pid, gateway.pid!]);
    for (let i = 0; i < plan.samples; i++) {
      const a = await timedGet(direct.url, direct.headers);
      const b = await timedGet(through.url, through.headers);
      if (a.status !== 200 || b.status !== 200) throw new Error(`unexpected status ${a.status} / ${b.status}`);
      directMs.push(a.ms);
      throughMs.push(b.ms);
      introspectMs.push(
        await timedPost(
          `${server.url}/v1/session-server/introspect`,
          { authorization: `Bearer ${introspectionSecret}` },
          JSON.stringify({ token: opened }),
        ),
      );
    }
    const machineDuring = window.end();

    log(`gateway: streaming ${streamBytes / 1024 / 1024} MiB through it`);
    const rssBefore = memoryOf(gateway.pid!).rss;
    let peak = rssBefore;
    const sampler = setInterval(() => {
      peak = Math.max(peak, memoryOf(gateway.pid!).rss);
    }, 10);
    const streamed = await timedGet(`${gatewayUrl}/files/file.bin`, through.headers);
    clearInterval(sampler);
    peak = Math.max(peak, memoryOf(gateway.pid!).rss);
    if (streamed.bytes !== streamBytes) throw new Error(`streamed ${streamed.bytes} of ${streamBytes} bytes`);
    let pauseStartRss = 0;
    let pausePeakRss = 0;
    const pauseSampler = setInterval(() => {
      if (pauseStartRss) pausePeakRss = Math.max(pausePeakRss, memoryOf(gateway.pid!).rss);
    }, 10);
    const slow = await timedGet(`${gatewayUrl}/files/file.bin`, through.headers, {
      ms: 2_000,
      onPause: (at) => {
        const rss = memoryOf(gateway.pid!).rss;
        if (at === 'start') pauseStartRss = rss;
        pausePeakRss = Math.max(pausePeakRss, rss);
      },
    });
    clearInterval(pauseSampler);
    if (slow.bytes !== streamBytes) throw new Error(`streamed ${slow.bytes} of ${streamBytes} bytes (paused reader)`);

    const directSummary = summarize(directMs);
    const throughSummary = summarize(throughMs);
    return {
      samples: plan.samples,
      direct_to_nginx: directSummary,
      through_gateway: throughSummary,
      added_p50_ms: round(throughSummary.p50_ms - directSummary.p50_ms, 3),
      added_p99_ms: round(throughSummary.p99_ms - directSummary.p99_ms, 3),
      introspection_alone: summarize(introspectMs),
      machine_during: machineDuring,
      streaming: {
        bytes: streamBytes,
        seconds: round(streamed.ms / 1000, 3),
        mb_per_second: round(streamBytes / 1024 / 1024 / (streamed.ms / 1000), 1),
        gateway_rss_before_bytes: rssBefore,
        gateway_rss_peak_bytes: peak,
        gateway_rss_growth_bytes: peak - rssBefore,
        paused_reader_rss_growth_bytes: pausePeakRss - pauseStartRss,
      },
    };
  } finally {
    agent.destroy();
    await stopChild(gateway);
    await nginx.stop();
    await server.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
