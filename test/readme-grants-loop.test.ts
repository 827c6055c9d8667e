// The README's "Trust a program for a while" block, run as written after the shell loop's setup: login, a first run
// the desktop approves "for 8 h" (a test device sends that decision), a second run that opens with no prompt, a
// revoke, and a last run that asks again. Same two liberties as readme-shell-loop.test.ts: a free port for 8787,
// and `npx countersign-…` running the bin npx would run.
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { GrantList } from '../protocol/index.js';
import { collectOutput } from './support/child-output.js';
import { TestDevice } from './support/device.js';
import { freePort, NPX, ROOT, readmeBlock } from './support/readme.js';
import { tempDir } from './support/server.js';
import { queryDb } from './server/helpers.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function bash(script: string, cwd: string) {
  const child = spawn('bash', ['-c', `set -e\n${NPX}\n${script}`], {
    cwd,
    env: { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`, COUNTERSIGN_API_KEY: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(child);
  const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
  cleanup.push(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  return { output, exited };
}

describe('README', { timeout: 120_000 }, () => {
  it('"Trust a program for a while" works as written: approve for 8 h, pass without a prompt, revoke, asked again', async () => {
    const port = String(await freePort());
    const setup = readmeBlock('Try the whole loop from a shell').map((line) => line.replaceAll('8787', port));
    const lines = readmeBlock('Trust a program for a while').map((line) => line.replaceAll('8787', port));
    const dir = await tempDir('countersign-readme-grants-');
    cleanup.push(dir.remove);
    const server = bash(`exec ${setup[0]!.replace(/^npx (\S+)/, `node ${join(ROOT, 'bin')}/$1.mjs`)}`, dir.path);
    await expect.poll(() => server.output.stdout, { timeout: 30_000 }).toContain('listening on');
    // The loop's setup (user, key files, pairing code), without its session line.
    const prepared = bash(
      setup
        .slice(1)
        .filter((line) => !line.startsWith('npx countersign-session'))
        .join('\n'),
      dir.path,
    );
    expect(await prepared.exited, prepared.output.stderr).toBe(0);
    const code = /"code":"([A-Z0-9-]+)"/.exec(prepared.output.stdout)![1]!;
    const device = await TestDevice.pair(`http://127.0.0.1:${port}`, code);
    const stream = await device.connect();
    cleanup.push(() => stream.close());
    await stream.next('hello');

    const commands = lines.filter((line) => line.startsWith('npx countersign-session'));
    expect(commands).toHaveLength(4);
    const login = bash(commands[0]!, dir.path);
    expect(await login.exited, login.output.stderr).toBe(0);

    const first = bash(commands[1]!, dir.path);
    const { request } = await stream.next('approval.requested', 30_000);
    expect(request.installation?.new_program).toBe(true);
    // The key asks for the default 3-digit code: on a terminal countersign-session shows it and the owner types it;
    // here stderr is a pipe, so the "owner" reads it from the database instead.
    const [row] = await queryDb<{ binding_code: string | null }>(
      join(dir.path, 'data', 'countersign.db'),
      'SELECT binding_code FROM session_requests WHERE uuid = ?',
      request.uuid,
    );
    await device.decide(request.uuid, {
      decision: 'APPROVE',
      ...(row?.binding_code ? { binding_code: row.binding_code } : {}),
      scope: { kind: 'installation', duration: '8h' },
    });
    expect(await first.exited, first.output.stderr).toBe(0);
    const { grant } = await stream.next('grant.changed');

    const second = bash(commands[2]!, dir.path);
    expect(await second.exited, second.output.stderr).toBe(0);
    expect(second.output.stdout.trim()).toMatch(/^cst_\S{20,}$/);
    expect((await stream.next('session.opened')).granted_by).toEqual({ kind: 'grant', grant_id: grant.id });
    expect(stream.pending().some((message) => message.type === 'approval.requested')).toBe(false);

    const path = `/v1/user/${device.userId}/credential-password-ip/${grant.credential_id}/grant`;
    expect((await device.request('DELETE', `${path}/${grant.id}`)).status).toBe(200);
    expect(GrantList.parse((await device.request('GET', path)).json).Response).toEqual([]);

    const last = bash(commands[3]!, dir.path);
    const asked = await stream.next('approval.requested', 30_000);
    await device.decide(asked.request.uuid, { decision: 'BLOCK' });
    expect(await last.exited).toBe(2);
    // The key went onto no command line and into no output.
    const key = readFileSync(join(dir.path, 'data', 'ci-bot.key'), 'utf8').trim();
    for (const run of [login, first, second, last]) expect(run.output.stdout + run.output.stderr).not.toContain(key);
  });
});
