// countersign-admin and countersign-server as real processes, on a real database (a SQLite file, or a PostgreSQL
// database in the server-postgres project), as an operator uses them.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ErrorText, PairingCode, parsePairingUrl } from '../../protocol/index.js';
import { collectOutput } from '../support/child-output.js';
import { TestDevice } from '../support/device.js';
import { testStoreKind } from '../support/postgres.js';
import {
  ADMIN_BIN,
  createTestDb,
  SERVER_BIN,
  type ServerProcess,
  startServerProcess,
  type TestDb,
  tempDir,
} from '../support/server.js';
import { type attempt, errorText, openedAttempt, pendingAttempt, readStatusOk } from './helpers.js';

interface Run {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

const hasScript = existsSync('/usr/bin/script');
const shellQuote = (arg: string) => `'${arg.replaceAll("'", `'\\''`)}'`;

/** Runs a bin of this project to completion and collects its output. */
function run(bin: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return runCommand(process.execPath, [bin, ...args], env);
}

function runCommand(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const output = collectOutput(child);
    child.once('error', reject);
    child.once('close', (code, signal) => resolve({ code, signal, ...output }));
  });
}

const admin = (db: string, ...args: string[]) => run(ADMIN_BIN, ['--db', db, ...args]);

/** Starts countersign-server on a free port, takes its first stdout line, stops it with SIGTERM: line and exit code. */
async function startupLine(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(process.execPath, [SERVER_BIN, '--port', '0', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(child);
  const closed = new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.once('exit', () => reject(new Error(`countersign-server exited before its startup line: ${output.stderr}`)));
  });
  child.kill('SIGTERM');
  return { line, code: await closed };
}

const onPostgres = testStoreKind() === 'postgres';

let dir: Awaited<ReturnType<typeof tempDir>>;
let database: TestDb;
/** --db: a file in a directory not made yet (the server makes it), or a fresh PostgreSQL database's URL. */
let db: string;
/** --totp-key where the server needs one (PostgreSQL), else nothing (SQLite makes its key file). */
let keyArgs: string[];
const running: ServerProcess[] = [];
beforeEach(async () => {
  dir = await tempDir();
  database = await createTestDb();
  db = onPostgres ? database.db : join(dir.path, 'data', 'countersign.db');
  keyArgs = database.totpKey ? ['--totp-key', database.totpKey.toString('hex')] : [];
});
afterEach(async () => {
  for (const server of running.splice(0)) await server.stop('SIGKILL');
  await database.remove();
  await dir.remove();
});

async function serverProcess(options: Partial<Parameters<typeof startServerProcess>[0]> = {}) {
  const server = await startServerProcess({ db, totpKey: database.totpKey, ...options });
  running.push(server);
  return server;
}

describe('countersign-admin', () => {
  it('creates a user, a key and a pairing code as JSON, while the server runs on the same file', async () => {
    const server = await serverProcess();
    const user = await admin(db, 'user', 'create', 'alice');
    expect(user.code, user.stderr).toBe(0);
    expect(JSON.parse(user.stdout)).toEqual({ id: 1, name: 'alice' });

    const key = await admin(
      db,
      ...['key', 'create', '--user', 'alice', '--name', 'ci', '--mode', 'push-unless-trusted'],
      ...['--ip', '127.0.0.1', '--ip', '::1', '--code-length', '5'],
    );
    expect(key.code, key.stderr).toBe(0);
    const created = JSON.parse(key.stdout) as { id: number; api_key: string };
    expect(Object.keys(created)).toEqual(['id', 'api_key']);

    const pair = await admin(db, 'pair', '--user', 'alice', '--server', server.url);
    expect(pair.code, pair.stderr).toBe(0);
    const pairing = JSON.parse(pair.stdout) as { pairing_url: string; code: string; expires_at: string };
    expect(Object.keys(pairing)).toEqual(['pairing_url', 'code', 'expires_at']);
    expect(PairingCode.safeParse(pairing.code).success).toBe(true);
    expect(parsePairingUrl(pairing.pairing_url)).toEqual({ server: server.url, code: pairing.code });
    // Not a terminal: no QR code, and stdout is one JSON line.
    expect(pair.stderr).toBe('');
    expect(pair.stdout.trim().split('\n')).toHaveLength(1);

    // What the admin made works against the running server.
    const device = await TestDevice.pair(server.url, pairing.code);
    const stream = await device.connect();
    await stream.next('hello');
    const serverRef = { url: server.url } as Parameters<typeof attempt>[0];
    await openedAttempt(serverRef, created.api_key);
    const pending = await pendingAttempt(serverRef, created.api_key, { localAddress: '127.0.0.2' });
    expect(pending.binding_code).toMatch(/^[0-9]{5}$/);
    expect((await stream.next('approval.requested')).request).toMatchObject({ code_length: 5, binding_choices: null });
    await stream.close();
  });

  // `script` (util-linux) runs the command on a pseudo-terminal, the only way to be a TTY from a test.
  it.skipIf(!hasScript)('draws the pairing QR code on stderr when it is a terminal', async () => {
    await admin(db, 'user', 'create', 'alice');
    const command = [
      process.execPath,
      ADMIN_BIN,
      '--db',
      db,
      'pair',
      '--user',
      'alice',
      '--server',
      'http://127.0.0.1:8787',
    ];
    const result = await runCommand('script', ['-qec', command.map(shellQuote).join(' '), '/dev/null']);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stdout).toMatch(/"pairing_url":"countersign:\/\/pair\?server=/);
    expect(result.stdout).toMatch(/[▄▀█]{5}/);
  });

  // One test per mistake (two processes each), so that no single test runs many processes in a row under load.
  it.each<[string[], RegExp]>([
    [['user', 'create', 'alice'], /A user named "alice" already exists/],
    [['key', 'create', '--user', 'bob', '--name', 'x', '--mode', 'push'], /No user named "bob"/],
    [['key', 'create', '--user', 'alice', '--name', 'x', '--mode', 'sometimes'], /--mode must be one of ip-only/],
    [['key', 'create', '--user', 'alice', '--name', 'x', '--mode', 'push', '--ip', '1.2.3'], /--ip "1.2.3"/],
    [['key', 'create', '--user', 'alice', '--mode', 'push'], /--name LABEL is required/],
    [
      ['key', 'create', '--user', 'alice', '--name', 'x', '--mode', 'push', '--code-length', '9'],
      /--code-length must be a whole number from 0 to 8 \(got "9"\); 0 asks for no code\./,
    ],
    [['pair', '--user', 'alice', '--server', 'nowhere'], /--server "nowhere" is not a URL/],
    [['user', 'delete', 'alice'], /Unknown command "user delete alice"/],
    [['user', 'create', 'x', '--colour'], /Unknown option '--colour'/],
  ])('explains the mistake in `%s` on stderr and exits 1', async (args, message) => {
    await admin(db, 'user', 'create', 'alice');
    const result = await admin(db, ...args);
    expect(result.code, args.join(' ')).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toMatch(message);
  });
});

describe('countersign-server', () => {
  it('prints where it listens and which database', async () => {
    const { line, code } = await startupLine(['--db', db, ...keyArgs]);
    expect(line).toMatch(/^countersign-server listening on http:\/\/127\.0\.0\.1:\d+ /);
    expect(line).toContain(`(database ${db})`);
    expect(code).toBe(0);
  });

  it.skipIf(onPostgres)('creates the directory of a SQLite database file (SQLite only)', async () => {
    await serverProcess();
    expect(existsSync(db)).toBe(true);
  });

  it.skipIf(onPostgres)(
    'puts the database under $XDG_DATA_HOME/countersign when --db is not given (the default is SQLite)',
    async () => {
      const { line, code } = await startupLine([], { ...process.env, XDG_DATA_HOME: dir.path });
      const expected = join(dir.path, 'countersign', 'countersign.db');
      expect(line).toContain(`(database ${expected})`);
      expect(code).toBe(0);
      expect(existsSync(expected)).toBe(true);
    },
  );

  it.skipIf(!onPostgres)(
    'with a postgres:// URL: hides the password in its startup line, and needs --totp-key (PostgreSQL only)',
    async () => {
      // The test cluster trusts loopback connections, so any password is accepted — and must not be printed.
      const withPassword = new URL(db);
      withPassword.password = 'hunter2-secret';
      const { line, code } = await startupLine(['--db', withPassword.toString(), ...keyArgs]);
      expect(line).toContain(`(database ${withPassword.toString().replace('hunter2-secret', '***')})`);
      expect(line).not.toContain('hunter2-secret');
      expect(code).toBe(0);

      const noKey = await run(SERVER_BIN, ['--port', '0', '--db', db]);
      expect(noKey.code).toBe(1);
      expect(noKey.stderr).toMatch(/--totp-key-file or COUNTERSIGN_TOTP_KEY/);
    },
  );

  it.each(['SIGTERM', 'SIGINT'] as const)('exits 0 on %s', async (signal) => {
    const child = spawn(process.execPath, [SERVER_BIN, '--port', '0', '--db', db, ...keyArgs], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    child.kill(signal);
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    expect(code, signal).toBe(0);
  });

  it.each<[string[], RegExp]>([
    [['--port', 'eighty'], /--port must be a whole number from 0 to 65535/],
    [['--tls-cert', 'x.pem'], /--tls-cert and --tls-key go together/],
    [['--request-lifetime', '0'], /--request-lifetime must be a whole number/],
    [['--history-days', '0'], /--history-days must be a whole number from 1 to 36500/],
    [['--verbose'], /Unknown option '--verbose'/],
    [['--introspection-secret', 'short'], /at least 16 characters/],
  ])('refuses `%s` with a clear error and exit 1', async (args, message) => {
    const result = await run(SERVER_BIN, ['--db', db, ...keyArgs, ...args]);
    expect(result.code, args.join(' ')).toBe(1);
    expect(result.stderr).toMatch(message);
  });

  it('refuses a port in use with a clear error and exit 1', async () => {
    const busy = await serverProcess();
    const result = await run(SERVER_BIN, ['--db', db, ...keyArgs, '--port', String(busy.port)]);
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(new RegExp(`port ${busy.port} on 127.0.0.1 is already in use`));
  });

  it('survives kill -9: a restart on the same port keeps the pending request and refuses replays', async () => {
    const first = await serverProcess({ requestLifetimeSeconds: 60 });
    await admin(db, 'user', 'create', 'alice');
    const key = JSON.parse(
      (await admin(db, 'key', 'create', '--user', 'alice', '--name', 'k', '--mode', 'push', '--code-length', '0'))
        .stdout,
    );
    const code = JSON.parse((await admin(db, 'pair', '--user', 'alice', '--server', first.url)).stdout).code;
    const device = await TestDevice.pair(first.url, code);
    const ref = { url: first.url } as Parameters<typeof attempt>[0];
    const pending = await pendingAttempt(ref, key.api_key);
    const path = `/v1/user/${device.userId}/credential-password-ip`;
    const signed = await device.request('GET', path);
    expect(signed.status).toBe(200);

    await first.stop('SIGKILL');
    const second = await serverProcess({ port: first.port, requestLifetimeSeconds: 60 });
    expect(second.url).toBe(first.url);

    const replay = await device.request('GET', path, undefined, { headers: signed.sentHeaders });
    expect(replay.status).toBe(401);
    expect(errorText(replay)).toBe(ErrorText.REPLAYED);
    const stream = await device.connect();
    await stream.next('hello');
    expect((await stream.next('approval.requested')).request.uuid).toBe(pending.uuid);
    await device.decide(pending.uuid, { decision: 'APPROVE' });
    const read = await readStatusOk(ref, pending.uuid, key.api_key);
    expect(read.Response).toHaveLength(3);
    await stream.close();
  });
});
