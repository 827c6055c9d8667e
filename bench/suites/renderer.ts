// The renderer: its production bundle's size (gzip of every JS and CSS file), and the time from a push reaching
// the bridge to the approval window showing it, in Debian's Chromium. The approval window is created hidden at
// start (main/shell/windows.ts), so a push meets a page that is already loaded: the measured path is the event
// crossing into the page, React rendering the card, and the frame that paints it.
import { execFile } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { extname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { gzipSync } from 'node:zlib';
import { chromium } from '@playwright/test';
import type { Account, PendingApproval } from '../../main/core/api.js';
import { CONTENT_SECURITY_POLICY } from '../../main/shell/csp.js';
import { removeOnExit } from '../support/children.js';
import { ROOT } from '../support/countersign-process.js';
import type { BenchPage } from '../support/page-bridge.js';
import { round } from '../support/proc-stats.js';
import { median } from '../support/stats.js';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from '../../test/e2e/support/chromium.js';
import { bundlePageScript } from '../../test/e2e/support/page-script.js';

const WARMUP = 3;

export interface RendererResults {
  bundle: {
    files: { file: string; bytes: number; gzip_bytes: number }[];
    js_css_bytes: number;
    js_css_gzip_bytes: number;
    js_css_gzip_kb: number;
  };
  window_visible: {
    samples: number;
    /** Push handed to the bridge (Node) → the frame painting the card has run (told back to Node): the figure. */
    median_ms: number;
    max_ms: number;
    /** Inside the page: event delivered → card in the DOM. */
    in_page_commit_median_ms: number;
    /** Inside the page: event delivered → the frame that paints it has run. */
    in_page_painted_median_ms: number;
    /** An empty page.evaluate round trip: the part of median_ms that is the test harness's own messaging. */
    harness_round_trip_median_ms: number;
    chromium: string;
  };
}

/** A production build into a directory of our own, so a concurrent build of dist/renderer is never disturbed. */
async function buildRenderer(outDir: string): Promise<void> {
  await promisify(execFile)(
    process.execPath,
    [
      'node_modules/vite/bin/vite.js',
      'build',
      '--config',
      'renderer/vite.config.ts',
      '--outDir',
      outDir,
      '--emptyOutDir',
      '--logLevel',
      'warn',
    ],
    { cwd: ROOT },
  );
}

async function bundleSize(outDir: string): Promise<RendererResults['bundle']> {
  const files: RendererResults['bundle']['files'] = [];
  const walk = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (['.js', '.css'].includes(extname(entry.name))) {
        const bytes = await readFile(path);
        files.push({ file: path.slice(outDir.length + 1), bytes: bytes.length, gzip_bytes: gzipSync(bytes).length });
      }
    }
  };
  await walk(outDir);
  const gzip = files.reduce((sum, f) => sum + f.gzip_bytes, 0);
  return {
    files,
    js_css_bytes: files.reduce((sum, f) => sum + f.bytes, 0),
    js_css_gzip_bytes: gzip,
    js_css_gzip_kb: round(gzip / 1024, 1),
  };
}

/** Serves the build over loopback with the app's CSP (Chromium refuses module scripts from file://). */
async function serve(root: string) {
  const server = createServer(async (request, response) => {
    const path = decodeURIComponent(new URL(request.url ?? '/', 'http://x').pathname);
    const file = resolve(root, `.${path === '/' ? '/index.html' : path}`);
    const type = { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css' }[extname(file)];
    if (!file.startsWith(root + sep)) return void response.writeHead(404).end();
    try {
      const body = await readFile(file);
      response.writeHead(200, {
        'content-type': `${type ?? 'application/octet-stream'}; charset=utf-8`,
        'content-security-policy': CONTENT_SECURITY_POLICY,
      });
      response.end(body);
    } catch {
      response.writeHead(404).end();
    }
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/index.html`,
    close: () => new Promise<void>((done) => server.close(() => done())),
  };
}

const ACCOUNT: Account = {
  id: 'bench-account',
  server: 'http://127.0.0.1:8787',
  userId: 1,
  userName: 'alice',
  deviceId: 1,
  deviceName: 'bench desktop',
  created: new Date().toISOString(),
  tlsFingerprint: null,
  connection: { state: 'connected', since: new Date().toISOString() },
  clientIp: '127.0.0.1',
};

function approval(index: number): PendingApproval {
  const now = Date.now();
  return {
    accountId: ACCOUNT.id,
    receivedAt: new Date(now).toISOString(),
    expiresAt: new Date(now + 120_000).toISOString(),
    request: {
      uuid: `00000000-0000-4000-8000-${String(index).padStart(12, '0')}`,
      credential: { id: 7, name: 'deploy bot', mode: 'push' },
      description: `nightly deploy #${index}`,
      ip: '203.0.113.7',
      ip_known: false,
      user_agent: 'countersign-client (Countersign protocol v1)',
      geolocation: { longitude: 4.89, latitude: 52.37, altitude: 0, radius: 100, country: 'NL' },
      created: new Date(now).toISOString(),
      expiry_time: new Date(now + 120_000).toISOString(),
      binding_choices: null,
    },
  };
}

/** What the bridge answers: one account, no pending requests at load; any other channel is not the window's. */
function answer(channel: string, unexpected: Set<string>) {
  if (channel === 'accounts:list') return { ok: true, value: [ACCOUNT] };
  if (channel === 'approvals:list') return { ok: true, value: [] };
  // No app PIN: the card as most users see it.
  if (channel === 'pin:status') return { ok: true, value: { set: false, lockedUntil: null, triesLeft: 5 } };
  unexpected.add(channel);
  return { ok: false, error: { code: 'INTERNAL', message: `${channel} is not served by the benchmark bridge` } };
}

export async function rendererBenchmarks(samples: number, log: (line: string) => void): Promise<RendererResults> {
  const outDir = removeOnExit(await mkdtemp(join(tmpdir(), 'countersign-renderer-')));
  const browser = await chromium.launch({ executablePath: CHROMIUM_PATH, args: CHROMIUM_FLAGS });
  try {
    log('building the renderer (production)');
    await buildRenderer(outDir);
    const bundle = await bundleSize(outDir);
    log(`renderer bundle: ${bundle.js_css_gzip_kb} KB gzip (JS + CSS)`);

    const server = await serve(outDir);
    const pageScript = await bundlePageScript(fileURLToPath(new URL('../support/page-bridge.ts', import.meta.url)));
    const page = await browser.newPage({ viewport: { width: 480, height: 640 } });
    const unexpected = new Set<string>();
    await page.exposeFunction('__benchInvoke', (channel: string) => answer(channel, unexpected));
    await page.addInitScript({ content: pageScript });
    await page.goto(`${server.url}#approval`);
    await page.getByRole('heading', { name: 'No requests waiting' }).waitFor();

    const total: number[] = [];
    const commit: number[] = [];
    const painted: number[] = [];
    const harness: number[] = [];
    for (let i = 0; i < WARMUP + samples; i += 1) {
      const pending = approval(i);
      const startedAt = performance.now();
      const inPage = await page.evaluate(
        ([list, marker]) => (globalThis as unknown as BenchPage).__benchShow(list, marker),
        [[pending], pending.request.description!] as const,
      );
      const elapsed = performance.now() - startedAt;
      const before = performance.now();
      await page.evaluate(() => 0);
      const roundTrip = performance.now() - before;
      // Back to an empty queue for the next sample.
      await page.evaluate(() => (globalThis as unknown as BenchPage).__benchEvent('approvals:changed', []));
      await page.getByRole('heading', { name: 'No requests waiting' }).waitFor();
      if (i < WARMUP) continue;
      total.push(elapsed);
      commit.push(inPage.commit);
      painted.push(inPage.painted);
      harness.push(roundTrip);
    }
    await server.close();
    if (unexpected.size > 0) log(`renderer asked the benchmark bridge for: ${[...unexpected].join(', ')}`);
    const windowVisible = {
      samples: total.length,
      median_ms: round(median(total), 2),
      max_ms: round(Math.max(...total), 2),
      in_page_commit_median_ms: round(median(commit), 2),
      in_page_painted_median_ms: round(median(painted), 2),
      harness_round_trip_median_ms: round(median(harness), 2),
      chromium: browser.version(),
    };
    log(`approval window visible: median ${windowVisible.median_ms} ms of ${total.length}`);
    return { bundle, window_visible: windowVisible };
  } finally {
    await browser.close();
    await rm(outDir, { recursive: true, force: true });
  }
}
