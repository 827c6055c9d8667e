// countersign-server --trust-proxy LIST|HOPS (or COUNTERSIGN_TRUST_PROXY) as an operator types it: a real process,
// a real database. The flag took no value once and then believed any X-Forwarded-For; a bare flag must now stop
// the server with what to pass, never start it trusting everyone.
import { spawn } from 'node:child_process';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AdminCommands } from '../../server/admin/commands.js';
import { collectOutput } from '../support/child-output.js';
import { createTestDb, SERVER_BIN, type ServerProcess, startServerProcess, type TestDb } from '../support/server.js';
import { attempt, openedAttempt } from './helpers.js';

function run(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const child = spawn(process.execPath, [SERVER_BIN, '--port', '0', ...args], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(child);
  return new Promise<{ code: number | null; stderr: string }>((resolve) => {
    child.once('close', (code) => resolve({ code, stderr: output.stderr }));
    // A server that started after all (the old boolean flag) is stopped, so the test fails on its exit code.
    child.stdout.on('data', () => {
      if (output.stdout.includes('listening on')) child.kill('SIGTERM');
    });
  });
}

let database: TestDb;
let keyArgs: string[];
const running: ServerProcess[] = [];
beforeEach(async () => {
  database = await createTestDb();
  keyArgs = ['--db', database.db, ...(database.totpKey ? ['--totp-key', database.totpKey.toString('hex')] : [])];
});
afterEach(async () => {
  for (const server of running.splice(0)) await server.stop('SIGKILL');
  await database.remove();
});

describe('countersign-server --trust-proxy', () => {
  it('refuses a bare flag, or one followed by another flag, with what to pass (exit 1)', async () => {
    for (const args of [['--trust-proxy'], ['--trust-proxy', '--host', '127.0.0.1'], ['--trust-proxy=']]) {
      const result = await run([...keyArgs, ...args]);
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr, args.join(' ')).toContain(
        'countersign-server: --trust-proxy needs a value: give the proxies in front of this server as addresses ' +
          'or CIDRs (e.g. --trust-proxy 127.0.0.1,10.0.0.0/8) or as a hop count (e.g. --trust-proxy 1).',
      );
    }
  });

  it('refuses values it cannot read, and trusting every address', async () => {
    const cases: [string[], NodeJS.ProcessEnv, RegExp][] = [
      [['--trust-proxy', 'proxy.internal'], {}, /--trust-proxy: "proxy.internal" is not an address or CIDR; give/],
      [['--trust-proxy', '10.0.0.0/33'], {}, /"10.0.0.0\/33" needs a prefix length from 1 to 32/],
      [['--trust-proxy', 'fe80::1%eth0'], {}, /"fe80::1%eth0" is not an address or CIDR/],
      [['--trust-proxy', '0.0.0.0/0'], {}, /would trust every address as a proxy, so any client could choose its/],
      [['--trust-proxy', '::/0'], {}, /would trust every address as a proxy/],
      [['--trust-proxy', '0'], {}, /a hop count must be 1 to 20 \(got 0\); leave the flag out to trust no proxy/],
      [[], { COUNTERSIGN_TRUST_PROXY: '*' }, /^countersign-server: COUNTERSIGN_TRUST_PROXY: "\*" is not an address/],
    ];
    for (const [args, env, message] of cases) {
      const result = await run([...keyArgs, ...args], { ...process.env, ...env });
      expect(result.code, args.join(' ')).toBe(1);
      expect(result.stderr, args.join(' ')).toMatch(message);
    }
  });

  it('documents the rule in --help', async () => {
    const child = spawn(process.execPath, [SERVER_BIN, '--help'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output = collectOutput(child);
    await new Promise((resolve) => child.once('close', resolve));
    expect(output.stdout).toContain('--trust-proxy LIST|HOPS');
    expect(output.stdout).toContain('read right');
    expect(output.stdout).toContain('Count your proxies or list them.');
  });

  for (const [form, extraArgs, env] of [
    ['a hop count', ['--trust-proxy', '1'], {}],
    ['a list', ['--trust-proxy', '10.0.0.0/8, 127.0.0.1 ,::1'], {}],
    ['COUNTERSIGN_TRUST_PROXY', [], { COUNTERSIGN_TRUST_PROXY: '127.0.0.1' }],
  ] as const) {
    it(`reads X-Forwarded-For right to left when given ${form}`, async () => {
      const server = await startServerProcess({
        db: database.db,
        totpKey: database.totpKey,
        extraArgs: [...extraArgs],
        env: { ...process.env, ...env },
      });
      running.push(server);
      const admin = await AdminCommands.open(database.db);
      let key: { api_key: string };
      try {
        await admin.createUser('alice');
        key = await admin.createKey({ user: 'alice', name: 'ci', mode: 'ip-only', ips: ['198.51.100.10'] });
      } finally {
        await admin.close();
      }
      const target = { url: server.url } as Parameters<typeof attempt>[0];
      const spoofed = await attempt(target, key.api_key, {
        headers: { 'x-forwarded-for': '198.51.100.10, 203.0.113.66' },
      });
      expect(spoofed.status).toBe(401);
      await openedAttempt(target, key.api_key, { headers: { 'x-forwarded-for': '203.0.113.66, 198.51.100.10' } });
    });
  }
});
