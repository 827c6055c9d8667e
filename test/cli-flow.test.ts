// The command-line flow of the README's shell loop, as real processes:
//   countersign-server --port … --db …            (node bin/countersign-server.mjs, port 0 = a free port)
//   countersign-admin --db … user create alice
//   countersign-admin --db … key create --user alice --name ci-bot --mode push
//   countersign-admin --db … pair --user alice --server URL   → a TestDevice pairs with the code
//   COUNTERSIGN_API_KEY=KEY countersign-session --server URL --description "nightly export"
// The device receives approval.requested and decides; the session process prints the token on stdout and exits
// 0 (approved), 2 (blocked) or 3 (expired). The bins run with `node bin/….mjs` — the files npx would run —
// because npx adds seconds of npm start-up per call.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { introspect, openSession } from '../client/index.js';
import { ErrorText } from '../protocol/index.js';
import { TestDevice, type TestStream } from './support/device.js';
import { queryDb } from './server/helpers.js';
import {
  ADMIN_BIN,
  type ServerProcess,
  startServerProcess,
  TEST_INTROSPECTION_SECRET,
  tempDir,
} from './support/server.js';

const ROOT = resolve(fileURLToPath(new URL('..', import.meta.url)));
const SESSION_BIN = join(ROOT, 'bin', 'countersign-session.mjs');

interface Run {
  stdout: string;
  stderr: string;
  exited: Promise<number>;
  signal(signal: NodeJS.Signals): void;
}

/** Runs node BIN args…; stdout and stderr fill in as the process writes. */
function run(bin: string, args: string[], options: { env?: NodeJS.ProcessEnv; stdin?: string } = {}): Run {
  const child = spawn(process.execPath, [bin, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const result: Run = {
    stdout: '',
    stderr: '',
    exited: new Promise((done) => child.once('exit', (code) => done(code ?? -1))),
    signal: (signal) => child.kill(signal),
  };
  child.stdout.on('data', (chunk: Buffer) => {
    result.stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    result.stderr += chunk.toString();
  });
  child.stdin.end(options.stdin ?? '');
  return result;
}

async function admin(db: string, ...args: string[]): Promise<Record<string, unknown>> {
  const done = run(ADMIN_BIN, ['--db', db, ...args]);
  const code = await done.exited;
  if (code !== 0) throw new Error(`countersign-admin ${args.join(' ')} exited ${code}: ${done.stderr}`);
  return JSON.parse(done.stdout) as Record<string, unknown>;
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

interface Flow {
  url: string;
  db: string;
  apiKey: string;
  device: TestDevice;
  stream: TestStream;
}

/** Server, user, key and paired device, each made by the real command-line tools. */
async function setUp(key: string[], server: { requestLifetimeSeconds?: number } = {}): Promise<Flow> {
  const dir = await tempDir();
  cleanup.push(dir.remove);
  const db = join(dir.path, 'countersign.db');
  const running: ServerProcess = await startServerProcess({ db: db, ...server });
  cleanup.push(() => running.stop());

  expect(await admin(db, 'user', 'create', 'alice')).toMatchObject({ name: 'alice' });
  // Without a code unless the test asks for one (the default is a 3-digit code to type).
  const codeLength = key.includes('--code-length') || key.includes('--number-matching') ? [] : ['--code-length', '0'];
  const created = await admin(db, 'key', 'create', '--user', 'alice', '--name', 'ci-bot', ...codeLength, ...key);
  const paired = await admin(db, 'pair', '--user', 'alice', '--server', running.url);
  const device = await TestDevice.pair(running.url, String(paired.code));
  const stream = await device.connect();
  cleanup.push(() => stream.close());
  await stream.next('hello');
  return { url: running.url, db, apiKey: String(created.api_key), device, stream };
}

function session(flow: Flow, ...extra: string[]): Run {
  return run(SESSION_BIN, ['--server', flow.url, '--description', 'nightly export', ...extra], {
    env: { COUNTERSIGN_API_KEY: flow.apiKey },
  });
}

// Each test starts several Node processes (server, three admin calls, the session): allow for a busy machine.
const SLOW = { timeout: 90_000 };

describe('countersign-session, the shell-loop flow', SLOW, () => {
  it('approve on the device → the token on stdout, exit 0, and the token is a live session', async () => {
    const flow = await setUp(['--mode', 'push']);
    const requester = session(flow);

    const { request } = await flow.stream.next('approval.requested', 20_000);
    expect(request).toMatchObject({ description: 'nightly export', credential: { name: 'ci-bot', mode: 'push' } });
    expect(request.user_agent).toContain('countersign-session');
    await expect
      .poll(() => requester.stderr, { timeout: 20_000 })
      .toContain("waiting for approval on the key owner's desktop…");
    expect((await flow.device.decide(request.uuid, { decision: 'APPROVE' })).status).toBe(200);

    expect(await requester.exited).toBe(0);
    const lines = requester.stdout.split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[1]).toBe('');
    const token = lines[0]!;
    expect(token).toMatch(/^\S{20,}$/);
    expect(requester.stderr).not.toContain(token);
    expect(requester.stderr).toMatch(/approved: session \d+ opened/);

    const live = await introspect({ server: flow.url, introspectionSecret: TEST_INTROSPECTION_SECRET, token });
    expect(live).toMatchObject({ active: true, ip: '127.0.0.1' });
  });

  it('block on the device → nothing on stdout, exit 2', async () => {
    const flow = await setUp(['--mode', 'push']);
    const requester = session(flow);
    const { request } = await flow.stream.next('approval.requested', 20_000);
    await flow.device.decide(request.uuid, { decision: 'BLOCK' });
    expect(await requester.exited).toBe(2);
    expect(requester.stdout).toBe('');
    expect(requester.stderr).toContain('blocked');
  });

  it('nobody decides within a short request lifetime → exit 3', async () => {
    const flow = await setUp(['--mode', 'push'], { requestLifetimeSeconds: 2 });
    const requester = session(flow);
    await flow.stream.next('approval.requested', 20_000);
    expect(await requester.exited).toBe(3);
    expect(requester.stdout).toBe('');
    expect(requester.stderr).toContain('expired');
  });

  it('--timeout reached before anyone decides → exit 3', async () => {
    const flow = await setUp(['--mode', 'push']);
    const requester = session(flow, '--timeout', '2');
    await flow.stream.next('approval.requested', 20_000);
    expect(await requester.exited).toBe(3);
    expect(requester.stdout).toBe('');
    expect(requester.stderr).toContain('--timeout');
  });

  it('typed code: the owner types the code the process shows (--show-code, stderr being no terminal)', async () => {
    // --number-matching, from before typed codes, now means the default code.
    const flow = await setUp(['--mode', 'push', '--number-matching']);
    const requester = session(flow, '--show-code');
    const { request } = await flow.stream.next('approval.requested', 20_000);
    // The key got the default: 3 digits, never shown to the device.
    expect(request).toMatchObject({ code_length: 3, binding_choices: null });
    expect(JSON.stringify(request)).not.toMatch(/"binding_code"/);
    const shown = /types this code on their desktop: (\d{3})\n/;
    await expect.poll(() => requester.stderr, { timeout: 20_000 }).toMatch(shown);
    const code = shown.exec(requester.stderr)![1]!;
    await flow.device.decide(request.uuid, { decision: 'APPROVE', binding_code: code });
    expect(await requester.exited).toBe(0);
    expect(requester.stdout.trim()).toMatch(/^\S{20,}$/);
  });

  it('typed code: not printed into a log (stderr no terminal, no --show-code); a wrong code → exit 2', async () => {
    const flow = await setUp(['--mode', 'push', '--code-length', '4']);
    const requester = session(flow);
    const { request } = await flow.stream.next('approval.requested', 20_000);
    expect(request.code_length).toBe(4);
    await expect.poll(() => requester.stderr, { timeout: 20_000 }).toContain('shown only on a terminal');
    const [row] = await queryDb<{ binding_code: string }>(
      flow.db,
      'SELECT binding_code FROM session_requests WHERE uuid = ?',
      request.uuid,
    );
    expect(requester.stderr).not.toContain(row!.binding_code);
    const wrong = row!.binding_code === '9999' ? '0000' : '9999';
    await flow.device.decide(request.uuid, { decision: 'APPROVE', binding_code: wrong });
    expect(await requester.exited).toBe(2);
  });

  it('no approver online: says so with the time left instead of waiting silently, then waits as usual', async () => {
    const flow = await setUp(['--mode', 'push']);
    await flow.stream.close();
    const requester = session(flow);
    await expect
      .poll(() => requester.stderr, { timeout: 20_000 })
      .toMatch(/no approver is online for this key — it will expire in [0-2]:[0-5]\d\n/);
    expect(requester.stderr).not.toContain("waiting for approval on the key owner's desktop");
    // The owner's desktop comes back: the request is there, and an approval goes through.
    const stream = await flow.device.connect();
    cleanup.push(() => stream.close());
    await stream.next('hello');
    const { request } = await stream.next('approval.requested', 20_000);
    await flow.device.decide(request.uuid, { decision: 'APPROVE' });
    expect(await requester.exited).toBe(0);
  });
});

describe('countersign-session, key sources and errors', SLOW, () => {
  it('takes the key from stdin with "--api-key -" and from COUNTERSIGN_API_KEY', async () => {
    const flow = await setUp(['--mode', 'ip-only', '--ip', '127.0.0.1']);
    const fromStdin = run(SESSION_BIN, ['--server', flow.url, '--api-key', '-'], { stdin: `${flow.apiKey}\n` });
    const fromEnv = run(SESSION_BIN, ['--server', flow.url], { env: { COUNTERSIGN_API_KEY: flow.apiKey } });
    expect(await fromStdin.exited).toBe(0);
    expect(await fromEnv.exited).toBe(0);
    expect(fromStdin.stdout.trim()).toMatch(/^\S{20,}$/);
    expect(fromEnv.stdout.trim()).toMatch(/^\S{20,}$/);
    expect(fromStdin.stdout).not.toBe(fromEnv.stdout);
  });

  it("a wrong key → exit 1 with bunq's wording on stderr and nothing on stdout", async () => {
    const flow = await setUp(['--mode', 'push']);
    const requester = run(SESSION_BIN, ['--server', flow.url, '--api-key', 'csk_wrong']);
    expect(await requester.exited).toBe(1);
    expect(requester.stdout).toBe('');
    expect(requester.stderr).toContain(ErrorText.BAD_CREDENTIALS);
  });

  it("a fourth waiting request for the key → exit 1 with the server's 429 text", async () => {
    const flow = await setUp(['--mode', 'push']);
    const controller = new AbortController();
    // Three different jobs (identical attempts would merge into one request).
    const waiting = [1, 2, 3].map((n) =>
      openSession({ server: flow.url, apiKey: flow.apiKey, description: `job ${n}`, signal: controller.signal }).catch(
        () => null,
      ),
    );
    for (const _ of waiting) await flow.stream.next('approval.requested', 20_000);
    const requester = session(flow);
    expect(await requester.exited).toBe(1);
    expect(requester.stdout).toBe('');
    expect(requester.stderr).toContain(ErrorText.TOO_MANY_PENDING);
    expect(requester.stderr).toContain('HTTP 429');
    controller.abort();
    await Promise.all(waiting);
  });

  it('Ctrl-C while waiting → exit 130, nothing on stdout', async () => {
    const flow = await setUp(['--mode', 'push']);
    const requester = session(flow);
    await flow.stream.next('approval.requested', 20_000);
    requester.signal('SIGINT');
    expect(await requester.exited).toBe(130);
    expect(requester.stdout).toBe('');
    expect(requester.stderr).toContain('interrupted');
  });

  it('bad flags → exit 1 with a message; --help → exit 0 with usage on stdout', async () => {
    const noServer = run(SESSION_BIN, ['--api-key', 'k'], { env: { COUNTERSIGN_SERVER: '' } });
    const help = run(SESSION_BIN, ['--help']);
    expect(await noServer.exited).toBe(1);
    expect(noServer.stderr).toContain('--server URL is required');
    expect(await help.exited).toBe(0);
    expect(help.stdout).toContain('COUNTERSIGN_API_KEY');
  });
});
