// The requester never sends an API key, a code or a token over plain http:// to another host unless told to: the
// library refuses (CountersignError kind 'insecure-transport') and countersign-session exits 1, both before any
// connection is made — a raw TCP listener on this machine's network address checks that nothing arrives. Loopback
// http:// works as before, and insecureHttp / --insecure-http let a caller who knows the network through.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { CountersignError, closeSession, introspect, openSession } from '../../client/index.js';
import { isLoopbackHost, loopbackHost } from '../../protocol/index.js';
import { collectOutput } from '../support/child-output.js';
import { outsideAddress, type RawListener, rawListener } from '../support/outside-address.js';
import { type Owner, startOwner } from './fixtures.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SESSION_BIN = join(ROOT, 'bin', 'countersign-session.mjs');

const outside = outsideAddress();
if (!outside && process.env.CI) {
  throw new Error('CI is set but this machine has no non-loopback IPv4 address to test plain-http refusal with.');
}

function session(args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [SESSION_BIN, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(child);
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((done) =>
    child.once('close', (code) => done({ code, ...output })),
  );
}

const cleanup: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

async function listener(host: string): Promise<RawListener> {
  const raw = await rawListener(host);
  cleanup.push(() => raw.close());
  return raw;
}

async function owner(host?: string): Promise<Owner> {
  const started = await startOwner(host ? { host } : {});
  cleanup.push(() => started.close());
  return started;
}

describe('which hosts count as this machine', () => {
  it('loopback addresses in every spelling URL and resolver give, and localhost names', () => {
    for (const host of ['127.0.0.1', '127.8.9.10', '[::1]', '::1', '[::ffff:7f00:1]', '::ffff:127.0.0.1']) {
      expect(loopbackHost(host), host).toBe('address');
    }
    for (const host of ['localhost', 'LOCALHOST.', 'api.localhost']) expect(loopbackHost(host), host).toBe('name');
    for (const host of ['192.0.2.2', '10.0.0.1', '[::2]', '::ffff:192.0.2.2', '127.0.0.1.nip.io', 'localhost.evil']) {
      expect(isLoopbackHost(host), host).toBe(false);
    }
    expect(loopbackHost(new URL('http://[::ffff:127.0.0.1]/').hostname)).toBe('address');
    expect(loopbackHost(new URL('http://0x7f.1/').hostname)).toBe('address');
  });
});

describe.skipIf(!outside)(`plain http:// to ${outside ?? '(no non-loopback address on this machine)'}`, () => {
  const host = outside!;

  it('the library refuses before connecting: nothing reaches the listener', async () => {
    const raw = await listener(host);
    const server = `http://${host}:${raw.port}`;
    const attempts = [
      openSession({ server, apiKey: 'csk_secret_never_sent' }),
      closeSession({ server, token: 'cst_secret_never_sent', sessionId: 1 }),
      introspect({ server, introspectionSecret: 'introspection-secret-never-sent', token: 'cst_x' }),
    ];
    for (const attempt of attempts) {
      const error = await attempt.then(
        () => null,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(CountersignError);
      expect((error as CountersignError).kind).toBe('insecure-transport');
      expect((error as Error).message).toContain(`Refusing plain http:// to ${host}, which is not this machine`);
    }
    expect(raw.connections).toBe(0);
    expect(raw.received).toBe('');
  });

  it('countersign-session refuses with exit 1 and names --insecure-http: nothing reaches the listener', async () => {
    const raw = await listener(host);
    const result = await session(['--server', `http://${host}:${raw.port}`], {
      COUNTERSIGN_API_KEY: 'csk_secret_never_sent',
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`Refusing plain http:// to ${host}`);
    expect(result.stderr).toContain('--insecure-http');
    expect(raw.connections).toBe(0);
  });

  it('insecureHttp / --insecure-http send anyway, to a real server on that address', async () => {
    const remote = await owner(host);
    expect(remote.server.url).toBe(`http://${host}:${remote.server.port}`);
    const apiKey = await remote.key('ip-only', { ips: [host] });
    const opened = await openSession({ server: remote.server.url, apiKey, insecureHttp: true });
    expect(opened).toMatchObject({ status: 'ACCEPTED', uuid: null });

    const result = await session(['--server', remote.server.url, '--insecure-http'], { COUNTERSIGN_API_KEY: apiKey });
    expect(result.code, result.stderr).toBe(0);
    expect(result.stdout.trim()).toMatch(/^cst_\S{20,}$/);
  });
});

describe('plain http:// to this machine', () => {
  it('works by address and by the name localhost, library and CLI, without --insecure-http', async () => {
    const local = await owner();
    const apiKey = await local.key('ip-only', { ips: ['127.0.0.1', '::1'] });
    const byName = `http://localhost:${local.server.port}`;
    expect(await openSession({ server: local.server.url, apiKey })).toMatchObject({ status: 'ACCEPTED' });
    expect(await openSession({ server: byName, apiKey })).toMatchObject({ status: 'ACCEPTED' });
    for (const server of [local.server.url, byName]) {
      const result = await session(['--server', server], { COUNTERSIGN_API_KEY: apiKey });
      expect(result.code, `${server}: ${result.stderr}`).toBe(0);
    }
  });
});
