// The requester side of installations and grants, as users run it: the library with a file store from another
// source address, and countersign-session as a real process (its installation file, login, the OS keychain).
import { spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ensureInstallation, FileIdentityStore, openSession } from '../../client/index.js';
import { KEYCHAIN_SERVICE } from '../../client/identity-store.js';
import { collectOutput } from '../support/child-output.js';
import { createKey, type World, world } from '../server/helpers.js';
import { tempDir } from '../support/server.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SESSION_BIN = join(ROOT, 'bin', 'countersign-session.mjs');

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanups.splice(0).reverse()) await step();
});

async function setup(): Promise<World & { dir: string }> {
  const w = await world();
  const dir = await tempDir('countersign-requester-');
  cleanups.push(() => w.close(), dir.remove);
  return { ...w, dir: dir.path };
}

function session(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [SESSION_BIN, ...args], {
    env: { ...process.env, COUNTERSIGN_API_KEY: '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(child);
  const exited = new Promise<number | null>((done) => child.once('close', (code) => done(code)));
  cleanups.push(async () => {
    child.kill('SIGTERM');
    await exited;
  });
  return { output, exited };
}

describe('the requester library', () => {
  it('registers once per machine and key, and an installation grant lets it in from a new IP', async () => {
    const w = await setup();
    const key = await createKey(w, 'push');
    const store = new FileIdentityStore(join(w.dir, 'requester.json'));
    const installation = await ensureInstallation({
      server: w.server.url,
      apiKey: key.api_key,
      store,
      name: 'nightly',
    });
    expect(installation).not.toBeNull();
    expect((await ensureInstallation({ server: w.server.url, apiKey: key.api_key, store }))!.id).toBe(installation!.id);
    expect(statSync(join(w.dir, 'requester.json')).mode & 0o777).toBe(0o600);
    // The private key is in the file; the API key is not (only a hash of it names the entry).
    expect(readFileSync(join(w.dir, 'requester.json'), 'utf8')).not.toContain(key.api_key);

    const first = openSession({ server: w.server.url, apiKey: key.api_key, installation });
    const { request } = await w.stream.next('approval.requested');
    expect(request.installation?.name).toBe('nightly');
    await w.device.decide(request.uuid, { decision: 'APPROVE', scope: { kind: 'installation', duration: '8h' } });
    expect((await first).status).toBe('ACCEPTED');

    const second = await openSession({
      server: w.server.url,
      apiKey: key.api_key,
      installation,
      localAddress: '127.0.0.2',
    });
    expect(second).toMatchObject({ status: 'ACCEPTED', uuid: null });
    // Unsigned, the same key is asked as before.
    const unsigned = openSession({ server: w.server.url, apiKey: key.api_key, timeoutSeconds: 1 });
    expect((await w.stream.next('approval.requested')).request.installation).toBeNull();
    expect((await unsigned).status).toBe('EXPIRED');
  });
});

describe('countersign-session', () => {
  it('--installation FILE: registers on the first run, keeps the key there, signs every run', async () => {
    const w = await setup();
    const key = await createKey(w, 'push');
    const file = join(w.dir, 'ci.json');
    const first = session(['--server', w.server.url, '--installation', file], { COUNTERSIGN_API_KEY: key.api_key });
    const { request } = await w.stream.next('approval.requested', 20_000);
    expect(request.installation).toMatchObject({ new_program: true });
    await w.device.decide(request.uuid, {
      decision: 'APPROVE',
      scope: { kind: 'installation', duration: '1h', max_uses: 1 },
    });
    expect(await first.exited, first.output.stderr).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    const second = session(['--server', w.server.url, '--installation', file], { COUNTERSIGN_API_KEY: key.api_key });
    expect(await second.exited, second.output.stderr).toBe(0);
    expect(second.output.stdout).toMatch(/^cst_/);
    // The grant had one use: the third run asks again.
    const third = session(['--server', w.server.url, '--installation', file, '--timeout', '2'], {
      COUNTERSIGN_API_KEY: key.api_key,
    });
    expect((await w.stream.next('approval.requested', 20_000)).request.installation?.id).toBe(request.installation?.id);
    expect(await third.exited).toBe(3);
  });

  it('login keeps the key; later runs need none, and a missing one says to log in', async () => {
    const w = await setup();
    const key = await createKey(w, 'push');
    const file = join(w.dir, 'kept.json');
    const login = session(['login', '--server', w.server.url, '--installation', file], {
      COUNTERSIGN_API_KEY: key.api_key,
    });
    expect(await login.exited, login.output.stderr).toBe(0);
    expect(login.output.stderr).toContain(`is kept in the file ${file}`);
    expect(login.output.stdout + login.output.stderr).not.toContain(key.api_key);
    const run = session(['--server', w.server.url, '--installation', file, '--timeout', '5']);
    const { request } = await w.stream.next('approval.requested', 20_000);
    await w.device.decide(request.uuid, { decision: 'APPROVE' });
    expect(await run.exited, run.output.stderr).toBe(0);

    const none = session(['--server', w.server.url, '--installation', join(w.dir, 'empty.json')]);
    expect(await none.exited).toBe(1);
    expect(none.output.stderr).toContain('countersign-session login --server URL');
    const bad = session(['login', '--server', w.server.url, '--installation', file], {
      COUNTERSIGN_API_KEY: 'csk_wrong',
    });
    expect(await bad.exited).toBe(1);
    expect(bad.output.stderr).toContain('User credentials are incorrect');
  });

  it('--help says where the installation key lives; --installation with --no-installation is refused', async () => {
    const help = session(['--help']);
    expect(await help.exited).toBe(0);
    expect(help.output.stdout).toContain('service "countersign-requester"');
    expect(help.output.stdout).toContain('$XDG_CONFIG_HOME/countersign/requester.json');
    const both = session(['--server', 'http://127.0.0.1:1', '--installation', 'x', '--no-installation']);
    expect(await both.exited).toBe(1);
    expect(both.output.stderr).toContain('not both');
  });

  it('keeps the installation and the logged-in key in the OS keychain when there is one', async (context) => {
    if (!process.env.DBUS_SESSION_BUS_ADDRESS) {
      if (process.env.CI)
        throw new Error('CI needs a desktop session with a keychain (scripts/with-desktop-session.sh)');
      context.skip('no D-Bus session with a keychain: run under scripts/with-desktop-session.sh');
    }
    const w = await setup();
    const key = await createKey(w, 'push');
    const login = session(['login', '--server', w.server.url], { COUNTERSIGN_API_KEY: key.api_key });
    expect(await login.exited, login.output.stderr).toBe(0);
    expect(login.output.stderr).toContain(`the OS keychain (service "${KEYCHAIN_SERVICE}")`);
    const keytar = ((await import('keytar')) as unknown as { default: typeof import('keytar') }).default;
    const entries = await keytar.findCredentials(KEYCHAIN_SERVICE);
    cleanups.push(() => Promise.all(entries.map((entry) => keytar.deletePassword(KEYCHAIN_SERVICE, entry.account))));
    const origin = new URL(w.server.url).origin;
    expect(entries.find((entry) => entry.account === `api-key ${origin}`)?.password).toBe(key.api_key);
    expect(entries.some((entry) => entry.account.startsWith(`installation ${origin} `))).toBe(true);
  });
});
