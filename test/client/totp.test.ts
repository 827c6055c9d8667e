// The requester's offline fallback against a real server: openSession({totp}) and countersign-session --totp as a
// real process (with the code on the command line, prompted on a real pseudo-terminal, and refused without one).
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorText } from '../../protocol/index.js';
import { base32Decode, totpCode } from '../../protocol/totp.js';
import { parseSessionArgs } from '../../client/cli-args.js';
import { CountersignError } from '../../client/errors.js';
import { openSession } from '../../client/open-session.js';
import { collectOutput } from '../support/child-output.js';
import type { TestDevice } from '../support/device.js';
import { type Owner, startOwner } from './fixtures.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SESSION_BIN = join(ROOT, 'bin', 'countersign-session.mjs');

let owner: Owner;
let device: TestDevice;
let apiKey: string;
beforeEach(async () => {
  owner = await startOwner();
  ({ device } = await owner.device());
  apiKey = (await owner.server.admin.createKey({ user: owner.user, name: 'cron', mode: 'push', codeFallback: true }))
    .api_key;
});
afterEach(async () => {
  await owner.close();
});

/** The device's current code, taken well inside its 30 s step so the server sees the same step. */
async function currentCode(): Promise<string> {
  while (Date.now() % 30_000 > 25_000) await new Promise((r) => setTimeout(r, 100));
  return totpCode(base32Decode(device.totpSecret), Date.now());
}

function run(command: string, args: string[], input: string, env: NodeJS.ProcessEnv = {}) {
  const child = spawn(command, args, { cwd: ROOT, env: { ...process.env, ...env }, stdio: ['pipe', 'pipe', 'pipe'] });
  const output = collectOutput(child);
  return {
    child,
    output: () => ({ ...output }),
    done: new Promise<{ code: number; stdout: string; stderr: string }>((done) => {
      child.once('exit', (code) => done({ code: code ?? -1, ...output }));
      if (input) child.stdin.write(input);
    }),
  };
}

describe('openSession with a TOTP code', () => {
  it('opens at once with the current code (no push, no uuid), and refuses the same code again', async () => {
    const code = await currentCode();
    const result = await openSession({ server: owner.server.url, apiKey, totp: code });
    expect(result).toMatchObject({ status: 'ACCEPTED', uuid: null });
    const again = await openSession({ server: owner.server.url, apiKey, totp: code }).catch((e: unknown) => e);
    expect(again).toBeInstanceOf(CountersignError);
    expect((again as CountersignError).status).toBe(401);
    expect((again as CountersignError).message).toBe(ErrorText.BAD_CREDENTIALS);
  });
});

describe('countersign-session --totp', () => {
  it('--totp CODE prints the token on stdout and says it opened with the code', async () => {
    const code = await currentCode();
    const proc = run(process.execPath, [SESSION_BIN, '--server', owner.server.url, '--totp', code], '', {
      COUNTERSIGN_API_KEY: apiKey,
    });
    proc.child.stdin.end();
    const { code: exit, stdout, stderr } = await proc.done;
    expect(exit, stderr).toBe(0);
    expect(stdout).toMatch(/^cst_\S+\n$/);
    expect(stderr).toContain('opened with the code');
  });

  it('a wrong code exits 1 with an explanation that names the code', async () => {
    const code = await currentCode();
    const wrong = String((Number(code) + 500_000) % 1_000_000).padStart(6, '0');
    const proc = run(process.execPath, [SESSION_BIN, '--server', owner.server.url, '--totp', wrong], '', {
      COUNTERSIGN_API_KEY: apiKey,
    });
    proc.child.stdin.end();
    const { code: exit, stdout, stderr } = await proc.done;
    expect(exit).toBe(1);
    expect(stdout).toBe('');
    expect(stderr).toContain(ErrorText.BAD_CREDENTIALS);
    expect(stderr).toContain('each code works once');
  });

  it('--totp alone refuses clearly when standard input is not a terminal', async () => {
    const proc = run(process.execPath, [SESSION_BIN, '--server', owner.server.url, '--totp'], '', {
      COUNTERSIGN_API_KEY: apiKey,
    });
    proc.child.stdin.end();
    const { code: exit, stderr } = await proc.done;
    expect(exit).toBe(1);
    expect(stderr).toContain('standard input is not one: give --totp CODE');
  });

  it('--totp alone asks on a terminal (a real pseudo-terminal from script(1)) and opens with the typed code', async () => {
    const command = [process.execPath, SESSION_BIN, '--server', owner.server.url, '--totp']
      .map((part) => `'${part}'`)
      .join(' ');
    const proc = run('script', ['-qec', command, '/dev/null'], '', { COUNTERSIGN_API_KEY: apiKey });
    // Type the code only once the prompt is there, as a person would.
    const deadline = Date.now() + 20_000;
    while (!proc.output().stdout.includes('Code from your Countersign desktop:')) {
      if (Date.now() > deadline) throw new Error(`no prompt: ${JSON.stringify(proc.output())}`);
      await new Promise((r) => setTimeout(r, 50));
    }
    proc.child.stdin.write(`${await currentCode()}\r`);
    const { code: exit, stdout } = await proc.done;
    // On the pseudo-terminal stdout and stderr are one stream: the prompt, the message, then the token.
    expect(exit, stdout).toBe(0);
    expect(stdout).toMatch(/opened with the code\r?\ncst_\S+/);
  });
});

describe('--totp flags', () => {
  const base = ['--server', 'http://127.0.0.1:1', '--api-key', 'csk_x'];
  it('takes a 6-digit code, "--totp" alone (last or before another flag) as a prompt, and nothing else', () => {
    expect(parseSessionArgs([...base, '--totp', '012345'], {})).toMatchObject({ totp: '012345' });
    expect(parseSessionArgs([...base, '--totp=012345'], {})).toMatchObject({ totp: '012345' });
    expect(parseSessionArgs([...base, '--totp'], {})).toMatchObject({ totp: 'prompt' });
    expect(parseSessionArgs(['--totp', ...base], {})).toMatchObject({ totp: 'prompt' });
    expect(() => parseSessionArgs([...base, '--totp', '12345'], {})).toThrow(/6-digit/);
    expect(() => parseSessionArgs(['--server', 'http://127.0.0.1:1', '--api-key', '-', '--totp'], {})).toThrow(
      /both need standard input/,
    );
  });
});
