// The README's "Try the whole loop from a shell" block, run as written: the server line in one bash, the other lines
// in another, in an empty folder; a test device plays the desktop and approves. Two liberties, both mechanical: the
// port 8787 becomes a free one (another server may hold 8787 on this machine), and `npx countersign-…` runs the same
// bin file npx would run, through a shell function (npx itself spends seconds starting npm per call).
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type ChildOutput, collectOutput } from './support/child-output.js';
import { TestDevice } from './support/device.js';
import { queryDb } from './server/helpers.js';
import { freePort, NPX, ROOT, readmeBlock } from './support/readme.js';
import { tempDir } from './support/server.js';

function bash(script: string, cwd: string) {
  const child = spawn('bash', ['-c', script], {
    cwd,
    env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, COUNTERSIGN_API_KEY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output: ChildOutput = collectOutput(child);
  const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
  return { child, output, exited };
}

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe('README', { timeout: 120_000 }, () => {
  it('"Try the whole loop from a shell" works as written: the session command prints a token', async () => {
    const port = String(await freePort());
    const lines = readmeBlock('Try the whole loop from a shell').map((line) => line.replaceAll('8787', port));
    const serverLine = lines.findIndex((line) => line.startsWith('npx countersign-server '));
    expect(serverLine).toBe(0);
    const dir = await tempDir('countersign-readme-');
    cleanup.push(dir.remove);

    const server = bash(
      `${NPX}\nexec ${lines[0]!.replace(/^npx (\S+)/, `node ${join(ROOT, 'bin')}/$1.mjs`)}`,
      dir.path,
    );
    cleanup.push(async () => {
      server.child.kill('SIGTERM');
      await server.exited;
    });
    await expect.poll(() => server.output.stdout, { timeout: 30_000 }).toContain('listening on');

    const rest = bash(`set -e\n${NPX}\n${lines.slice(1).join('\n')}`, dir.path);
    cleanup.push(async () => {
      rest.child.kill('SIGTERM');
      await rest.exited;
    });
    await expect.poll(() => rest.output.stdout, { timeout: 30_000 }).toMatch(/"code":"[A-Z0-9-]+"/);
    const pairing = JSON.parse(rest.output.stdout.split('\n').find((line) => line.includes('"pairing_url"'))!) as {
      code: string;
    };
    const device = await TestDevice.pair(`http://127.0.0.1:${port}`, pairing.code);
    const stream = await device.connect();
    cleanup.push(() => stream.close());
    await stream.next('hello');
    const { request } = await stream.next('approval.requested', 30_000);
    expect(request.description).toBe('nightly export');
    // The key asks for the default 3-digit code. On a terminal countersign-session shows it and the owner types it;
    // here stderr is a pipe, so it says the code is shown only on a terminal, and the "owner" reads it from the
    // database instead.
    expect(request.code_length).toBe(3);
    await expect.poll(() => rest.output.stderr, { timeout: 10_000 }).toContain('shown only on a terminal');
    const [row] = await queryDb<{ binding_code: string }>(
      join(dir.path, 'data', 'countersign.db'),
      'SELECT binding_code FROM session_requests WHERE uuid = ?',
      request.uuid,
    );
    const decided = await device.decide(request.uuid, { decision: 'APPROVE', binding_code: row!.binding_code });
    expect(decided.status).toBe(200);

    expect(await rest.exited, rest.output.stderr).toBe(0);
    const out = rest.output.stdout.trim().split('\n');
    expect(out.at(-1)).toMatch(/^cst_\S{20,}$/);
    // The key went to files only their owner reads, and onto no command line.
    const key = readFileSync(join(dir.path, 'data', 'ci-bot.key'), 'utf8').trim();
    expect(key).toMatch(/^csk_/);
    for (const file of ['ci-bot.key', 'ci-bot.json']) {
      expect(statSync(join(dir.path, 'data', file)).mode & 0o777, file).toBe(0o600);
    }
    expect(rest.output.stdout + rest.output.stderr).not.toContain(key);
    expect(rest.output.stderr).not.toContain('warning');
  });
});
