// No secret needs to stand on a command line, where the process list shows it to every user of the machine and the
// shell history keeps it. As real processes: countersign-server takes the introspection secret, the TOTP key and the
// PostgreSQL password from files or the environment; countersign-admin the PostgreSQL password; countersign-session
// the API key from COUNTERSIGN_API_KEY, a file or stdin; `npm start` prints a command that reads the key into the
// environment. Each form works; a missing, unreadable or empty file is a clear error with exit 1; no secret shows in
// the startup line or anything else the processes print. The old inline flags still work, with a warning.
import { type SpawnOptions, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type CountersignError, introspect } from '../../client/index.js';
import { parsePairingUrl } from '../../protocol/index.js';
import { type ChildOutput, collectOutput } from '../support/child-output.js';
import { TestDevice } from '../support/device.js';
import { type PasswordCatcher, startPasswordCatcher } from '../support/password-catcher.js';
import { createTestDatabase } from '../support/postgres.js';
import { ADMIN_BIN, SERVER_BIN, startTestServer, type TestServer, tempDir } from '../support/server.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SESSION_BIN = join(ROOT, 'bin', 'countersign-session.mjs');

/**
 * Who can read a file is a matter of permissions, which root ignores: as root (CI), the process that must fail to
 * read a 000 file runs as nobody.
 */
const AS_OTHER_USER: SpawnOptions = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {};

interface Done extends ChildOutput {
  code: number | null;
}

function run(
  command: string[],
  options: { env?: NodeJS.ProcessEnv; stdin?: string; spawn?: SpawnOptions } = {},
): Promise<Done> {
  const child = spawn(command[0]!, command.slice(1), {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
    ...options.spawn,
  });
  const output = collectOutput(child as Parameters<typeof collectOutput>[0]);
  child.stdin?.end(options.stdin ?? '');
  return new Promise((done, fail) => {
    child.once('error', fail);
    child.once('close', (code) => done({ code, ...output }));
  });
}

const node = (bin: string, ...args: string[]) => [process.execPath, bin, ...args];

interface Running {
  url: string;
  startupLine: string;
  output: ChildOutput;
  stop(): Promise<number | null>;
}

/** countersign-server on a free port; resolves at its startup line (rejects with its stderr when it exits first). */
function startServerProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<Running> {
  const child = spawn(process.execPath, [SERVER_BIN, '--port', '0', '--host', '127.0.0.1', ...args], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(child);
  const closed = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
  return new Promise((done, fail) => {
    child.stdout.on('data', () => {
      const match = /^countersign-server listening on (\S+) .*$/m.exec(output.stdout);
      if (match) {
        done({
          url: match[1]!,
          startupLine: match[0],
          output,
          stop: () => {
            child.kill('SIGTERM');
            return closed;
          },
        });
      }
    });
    void closed.then((code) => fail(new Error(`countersign-server exited ${code} before listening: ${output.stderr}`)));
  });
}

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

let dir: string;
beforeEach(async () => {
  const made = await tempDir('countersign-secrets-');
  cleanup.push(made.remove);
  dir = made.path;
});

/** A file holding text, mode 0600 as a secret file should be. */
function secretFile(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text, { mode: 0o600 });
  return path;
}

let badFileSets = 0;
/** The files a *-file flag must refuse (a fresh set each call), each with the reason its message gives. */
function badFiles(): { label: string; path: string; why: RegExp; spawn?: SpawnOptions }[] {
  badFileSets += 1;
  const set = `bad-${badFileSets}`;
  mkdirSync(join(dir, set, 'a-directory'), { recursive: true });
  const unreadable = secretFile(`${set}/unreadable`, 'some-secret-value-0123456789\n');
  chmodSync(unreadable, 0o000);
  return [
    { label: 'missing', path: join(dir, set, 'missing'), why: /cannot read the file \(no such file\)/ },
    { label: 'unreadable', path: unreadable, why: /cannot read the file \(permission denied\)/, spawn: AS_OTHER_USER },
    { label: 'a directory', path: join(dir, set, 'a-directory'), why: /cannot read the file \(it is a directory\)/ },
    { label: 'empty', path: secretFile(`${set}/empty`, ''), why: /the file is empty/ },
    { label: 'blank lines only', path: secretFile(`${set}/blank`, '  \n\n'), why: /the file is empty/ },
  ];
}

const INTROSPECTION_SECRET = `introspection-${randomBytes(12).toString('hex')}`;
const TOTP_KEY = randomBytes(32).toString('base64');
// Characters that need percent-encoding in a URL's user info, so the file's value must be carried exactly.
const DB_PASSWORD = `pw-${randomBytes(6).toString('hex')}-p@ss:w/rd%20?#`;

function expectNoSecret(text: string, ...secrets: string[]) {
  for (const secret of secrets) expect(text).not.toContain(secret);
}

const SLOW = { timeout: 120_000 };

describe('countersign-server: the introspection secret and the TOTP key', SLOW, () => {
  it('come from --introspection-secret-file / --totp-key-file, or the environment; nothing printed shows them', async () => {
    const forms: [string, string[], NodeJS.ProcessEnv][] = [
      [
        'files',
        [
          '--introspection-secret-file',
          secretFile('introspection', `${INTROSPECTION_SECRET}\n`),
          '--totp-key-file',
          secretFile('totp-key', `${TOTP_KEY}\n`),
        ],
        {},
      ],
      ['environment', [], { COUNTERSIGN_INTROSPECTION_SECRET: INTROSPECTION_SECRET, COUNTERSIGN_TOTP_KEY: TOTP_KEY }],
    ];
    for (const [form, args, env] of forms) {
      const db = join(dir, `${form}.db`);
      const server = await startServerProcess(['--db', db, ...args], env);
      cleanup.push(() => server.stop());
      expect(server.startupLine, form).toContain('TOTP secrets sealed with the configured TOTP key');
      expect(existsSync(`${db}.totp-key`), form).toBe(false);

      const token = 'cst_not_a_session';
      expect(await introspect({ server: server.url, introspectionSecret: INTROSPECTION_SECRET, token })).toEqual({
        active: false,
      });
      const wrong = await introspect({
        server: server.url,
        introspectionSecret: `${INTROSPECTION_SECRET}x`,
        token,
      }).catch((error: unknown) => error);
      expect((wrong as CountersignError).status, form).toBe(401);

      expect(await server.stop()).toBe(0);
      expect(server.output.stderr, form).not.toContain('warning');
      expectNoSecret(server.output.stdout + server.output.stderr, INTROSPECTION_SECRET, TOTP_KEY);
    }
  });

  it('the inline --introspection-secret and --totp-key still work, with a warning that does not repeat them', async () => {
    const server = await startServerProcess([
      '--db',
      join(dir, 'inline.db'),
      '--introspection-secret',
      INTROSPECTION_SECRET,
      '--totp-key',
      TOTP_KEY,
    ]);
    cleanup.push(() => server.stop());
    expect(server.startupLine).toContain('configured TOTP key');
    expect(await introspect({ server: server.url, introspectionSecret: INTROSPECTION_SECRET, token: 'cst_x' })).toEqual(
      { active: false },
    );
    await server.stop();
    for (const flag of ['--introspection-secret', '--totp-key']) {
      expect(server.output.stderr).toContain(
        `countersign-server: warning: ${flag} puts the secret on the command line, where the process list and the shell history show it; use ${flag}-file FILE`,
      );
    }
    expectNoSecret(server.output.stdout + server.output.stderr, INTROSPECTION_SECRET, TOTP_KEY);
  });

  it('a missing, unreadable, empty file or a directory: exit 1 naming the flag, the file and why', async () => {
    const db = join(dir, 'never-made.db');
    for (const flag of ['--introspection-secret-file', '--totp-key-file', '--db-password-file']) {
      for (const bad of badFiles()) {
        const dbArg = flag === '--db-password-file' ? 'postgres://countersign@127.0.0.1:1/countersign' : db;
        const result = await run(node(SERVER_BIN, '--port', '0', '--db', dbArg, flag, bad.path), {
          env: { COUNTERSIGN_TOTP_KEY: TOTP_KEY },
          spawn: bad.spawn,
        });
        expect(result.code, `${flag} ${bad.label}`).toBe(1);
        expect(result.stderr, `${flag} ${bad.label}`).toContain(`countersign-server: ${flag} ${bad.path}: `);
        expect(result.stderr, `${flag} ${bad.label}`).toMatch(bad.why);
        expect(result.stdout).toBe('');
      }
    }
    expect(existsSync(db)).toBe(false);
  });

  it('refuses two sources of one secret, a short secret and a malformed key from a file', async () => {
    const cases: [string[], RegExp][] = [
      [
        [
          '--introspection-secret-file',
          secretFile('a', INTROSPECTION_SECRET),
          '--introspection-secret',
          'x'.repeat(20),
        ],
        /Give --introspection-secret-file or --introspection-secret, not both/,
      ],
      [['--totp-key-file', secretFile('b', TOTP_KEY), '--totp-key', TOTP_KEY], /Give --totp-key-file or --totp-key/],
      [['--introspection-secret-file', secretFile('short', 'short\n')], /at least 16 characters/],
      [['--totp-key-file', secretFile('bad-key', 'not a key\n')], /The TOTP key must be 32 bytes/],
      [['--db-password-file', secretFile('pw', DB_PASSWORD)], /--db-password-file is for a postgres:\/\/ --db/],
    ];
    for (const [args, message] of cases) {
      const result = await run(node(SERVER_BIN, '--port', '0', '--db', join(dir, 'x.db'), ...args));
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expectNoSecret(result.stderr, INTROSPECTION_SECRET, TOTP_KEY, DB_PASSWORD);
    }
  });
});

describe('the PostgreSQL password of countersign-server and countersign-admin', SLOW, () => {
  let catcher: PasswordCatcher;
  beforeEach(async () => {
    catcher = await startPasswordCatcher();
    cleanup.push(() => catcher.close());
  });

  it('--db-password-file and PGPASSWORD reach the database exactly; the output never shows the password', async () => {
    const db = catcher.url('countersign');
    const file = secretFile('db-password', `${DB_PASSWORD}\n`);
    const runs: [string, string[], NodeJS.ProcessEnv][] = [
      ['server, file', node(SERVER_BIN, '--port', '0', '--db', db, '--db-password-file', file), {}],
      ['server, PGPASSWORD', node(SERVER_BIN, '--port', '0', '--db', db), { PGPASSWORD: DB_PASSWORD }],
      ['admin, file', node(ADMIN_BIN, '--db', db, '--db-password-file', file, 'user', 'create', 'alice'), {}],
      ['admin, PGPASSWORD', node(ADMIN_BIN, '--db', db, 'user', 'create', 'alice'), { PGPASSWORD: DB_PASSWORD }],
    ];
    for (const [label, command, env] of runs) {
      catcher.attempts.length = 0;
      const result = await run(command, { env: { COUNTERSIGN_TOTP_KEY: TOTP_KEY, PGPASSWORD: '', ...env } });
      // The stand-in refuses every login, so both stop there: what counts is the password they sent.
      expect(result.code, label).toBe(1);
      expect(result.stderr, label).toContain('password authentication failed for user "countersign"');
      expect(catcher.attempts[0], label).toEqual({ user: 'countersign', password: DB_PASSWORD });
      expect(result.stderr, label).not.toContain('warning');
      expectNoSecret(result.stdout + result.stderr, DB_PASSWORD, TOTP_KEY);
    }
  });

  it('a password in the --db URL still works, with a warning; given twice, or from a bad file, exit 1', async () => {
    const withPassword = new URL(catcher.url('countersign'));
    withPassword.password = encodeURIComponent(DB_PASSWORD);
    const inline = await run(node(ADMIN_BIN, '--db', withPassword.toString(), 'user', 'create', 'alice'));
    expect(catcher.attempts[0]).toEqual({ user: 'countersign', password: DB_PASSWORD });
    expect(inline.stderr).toContain(
      'countersign-admin: warning: a password in the --db URL puts the secret on the command line',
    );
    expectNoSecret(inline.stderr.replace(withPassword.toString(), ''), DB_PASSWORD);

    const file = secretFile('db-password', DB_PASSWORD);
    const twice = await run(
      node(SERVER_BIN, '--port', '0', '--db', withPassword.toString(), '--db-password-file', file),
      { env: { COUNTERSIGN_TOTP_KEY: TOTP_KEY } },
    );
    expect(twice.code).toBe(1);
    expect(twice.stderr).toContain('The --db URL has a password and --db-password-file gives one: give it only once.');

    for (const bad of badFiles()) {
      catcher.attempts.length = 0;
      const result = await run(
        node(ADMIN_BIN, '--db', catcher.url('countersign'), '--db-password-file', bad.path, 'user', 'create', 'bob'),
        { spawn: bad.spawn },
      );
      expect(result.code, bad.label).toBe(1);
      expect(result.stderr, bad.label).toMatch(bad.why);
      expect(catcher.attempts, bad.label).toEqual([]);
    }
  });

  const cluster = process.env.COUNTERSIGN_TEST_PG;
  if (!cluster && process.env.CI)
    throw new Error('CI is set but COUNTERSIGN_TEST_PG is not (run under with-postgres.sh)');
  it.skipIf(!cluster)(
    'on the real test cluster (COUNTERSIGN_TEST_PG; skipped without it): a server with --db-password-file serves',
    async () => {
      const database = await createTestDatabase();
      cleanup.push(() => database.drop());
      const server = await startServerProcess(
        ['--db', database.url, '--db-password-file', secretFile('pg-password', `${DB_PASSWORD}\n`)],
        { COUNTERSIGN_TOTP_KEY: TOTP_KEY },
      );
      cleanup.push(() => server.stop());
      // The cluster trusts loopback, so it asks for no password: this shows the URL with it still opens the database.
      expect(server.startupLine).toContain(':***@127.0.0.1');
      const admin = await run(
        node(
          ADMIN_BIN,
          '--db',
          database.url,
          '--db-password-file',
          secretFile('again', DB_PASSWORD),
          'user',
          'create',
          'zoe',
        ),
      );
      expect(admin.code, admin.stderr).toBe(0);
      await server.stop();
      expectNoSecret(server.output.stdout + server.output.stderr + admin.stdout + admin.stderr, DB_PASSWORD);
    },
  );
});

describe('countersign-session: where the API key comes from', SLOW, () => {
  let server: TestServer;
  let apiKey: string;
  beforeEach(async () => {
    server = await startTestServer();
    cleanup.push(() => server.close());
    await server.admin.createUser('alice');
    apiKey = (await server.admin.createKey({ user: 'alice', name: 'ci', mode: 'ip-only', ips: ['127.0.0.1'] })).api_key;
  });

  const session = (args: string[], options: Parameters<typeof run>[1] = {}) =>
    run(node(SESSION_BIN, '--server', server.url, ...args), {
      ...options,
      env: { COUNTERSIGN_API_KEY: '', ...options.env },
    });

  it('COUNTERSIGN_API_KEY, --api-key-file, --api-key-stdin and "--api-key -" each open a session, silently', async () => {
    const file = secretFile('api-key', `${apiKey}\n`);
    const forms: [string, Promise<Done>][] = [
      ['environment', session([], { env: { COUNTERSIGN_API_KEY: apiKey } })],
      ['file', session(['--api-key-file', file])],
      ['stdin flag', session(['--api-key-stdin'], { stdin: `${apiKey}\n` })],
      ['dash', session(['--api-key', '-'], { stdin: `${apiKey}\r\n` })],
    ];
    const tokens = new Set<string>();
    for (const [form, running] of forms) {
      const result = await running;
      expect(result.code, `${form}: ${result.stderr}`).toBe(0);
      expect(result.stdout.trim(), form).toMatch(/^cst_\S{20,}$/);
      tokens.add(result.stdout);
      expect(result.stderr, form).not.toContain('warning');
      expectNoSecret(result.stderr, apiKey);
    }
    expect(tokens.size).toBe(forms.length);
  });

  it('--api-key KEY still works, with a warning that does not repeat the key', async () => {
    const result = await session(['--api-key', apiKey]);
    expect(result.code).toBe(0);
    expect(result.stderr).toContain(
      'countersign-session: warning: --api-key KEY puts the secret on the command line, where the process list and the shell history show it; use COUNTERSIGN_API_KEY, --api-key-file FILE or --api-key-stdin instead.',
    );
    expectNoSecret(result.stderr, apiKey);
  });

  it('a missing, unreadable, empty key file or a directory: exit 1 naming the file and why, nothing on stdout', async () => {
    for (const bad of badFiles()) {
      const result = await session(['--api-key-file', bad.path], { spawn: bad.spawn });
      expect(result.code, bad.label).toBe(1);
      expect(result.stderr, bad.label).toContain(`countersign-session: --api-key-file ${bad.path}: `);
      expect(result.stderr, bad.label).toMatch(bad.why);
      expect(result.stdout, bad.label).toBe('');
    }
  });

  it('no key, two ways at once, or nothing on stdin: exit 1 with what to do', async () => {
    const file = secretFile('api-key', apiKey);
    const cases: [string[], string, RegExp][] = [
      [[], '', /The API key is missing: set COUNTERSIGN_API_KEY, or give --api-key-file FILE or --api-key-stdin/],
      [
        ['--api-key-file', file, '--api-key-stdin'],
        apiKey,
        /Give the API key one way, not with --api-key-file and --api-key-stdin/,
      ],
      [['--api-key-stdin'], '', /--api-key-stdin found no API key on standard input/],
    ];
    for (const [args, stdin, message] of cases) {
      const result = await session(args, { stdin });
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr, args.join(' ')).toMatch(message);
      expectNoSecret(result.stderr, apiKey);
    }
  });
});

describe('npm start', SLOW, () => {
  it('prints a session command that reads the key into COUNTERSIGN_API_KEY, never the key; as printed, it works', async () => {
    const port = await freePort();
    const child = spawn(process.execPath, [join(ROOT, 'bin', 'run-ts.mjs'), 'scripts/start.ts'], {
      cwd: ROOT,
      env: {
        ...process.env,
        COUNTERSIGN_DATA_DIR: dir,
        COUNTERSIGN_PORT: String(port),
        // No desktop app here: npm start then keeps the server running, as on a machine without Electron.
        ELECTRON_OVERRIDE_DIST_PATH: join(dir, 'no-electron'),
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const output = collectOutput(child);
    const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
    cleanup.push(async () => {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited;
    });
    await expect.poll(() => output.stdout, { timeout: 60_000 }).toContain('Ctrl-C stops everything.');

    const demo = JSON.parse(readFileSync(join(dir, 'demo.json'), 'utf8')) as { apiKey: string };
    expectNoSecret(output.stdout + output.stderr, demo.apiKey);
    const keyFile = join(dir, 'demo-api-key');
    expect(readFileSync(keyFile, 'utf8')).toBe(`${demo.apiKey}\n`);
    expect(statSync(keyFile).mode & 0o777).toBe(0o600);

    const lines = output.stdout.split('\n').map((line) => line.trim());
    const exportLine = lines.find((line) => line.startsWith('export COUNTERSIGN_API_KEY='));
    const sessionLine = lines.find((line) => line.startsWith('npx countersign-session '));
    expect(exportLine).toBe(`export COUNTERSIGN_API_KEY="$(cat ${keyFile})"`);
    expect(sessionLine).toBe(`npx countersign-session --server http://127.0.0.1:${port} --description "first try"`);

    const link = /issued a pairing code, valid until \S+: (countersign:\S+)/.exec(output.stdout)![1]!;
    const pairing = parsePairingUrl(link);
    const device = await TestDevice.pair(pairing.server, pairing.code);
    const stream = await device.connect();
    cleanup.push(() => stream.close());
    await stream.next('hello');

    // The two lines as printed; npx resolves countersign-session to this bin file, which the function runs at once
    // (npx itself would spend seconds starting npm).
    const script = `npx() { shift; node ${SESSION_BIN} "$@"; }\n${exportLine}\n${sessionLine}\n`;
    const requester = run(['bash', '-c', script], { env: { COUNTERSIGN_API_KEY: '' } });
    const { request } = await stream.next('approval.requested', 30_000);
    expect(request.description).toBe('first try');
    expect((await device.decide(request.uuid, { decision: 'APPROVE' })).status).toBe(200);
    const result = await requester;
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toMatch(/^cst_\S{20,}$/);

    child.kill('SIGINT');
    expect(await exited).toBe(0);
  });
});

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((done) => server.once('listening', done));
  const address = server.address();
  await new Promise((done) => server.close(done));
  return typeof address === 'object' && address ? address.port : 0;
}
