// Real approval servers for tests: in-process on a free loopback port with a fresh SQLite file, or as a real
// child process (node bin/countersign-server.mjs) for kill/restart tests. Plus a plain HTTP helper that can bind a
// source address (127.0.0.2) for the permitted-IP rules.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KeyMode } from '../../protocol/index.js';
import { AdminCommands } from '../../server/admin/commands.js';
import { startServer } from '../../server/index.js';
import { type HttpReply, readReply } from './http-reply.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const SERVER_BIN = join(ROOT, 'bin', 'countersign-server.mjs');
export const ADMIN_BIN = join(ROOT, 'bin', 'countersign-admin.mjs');

/** The introspection secret test servers use unless told otherwise. */
export const TEST_INTROSPECTION_SECRET = 'test-introspection-secret-0123456789';

export interface TestServerOptions {
  dbPath?: string;
  requestLifetimeSeconds?: number;
  sessionLifetimeSeconds?: number;
  introspectionSecret?: string;
  pingIntervalMs?: number;
  port?: number;
  trustProxy?: boolean;
  /** How long a never-used key stays valid (default 30 days). */
  firstUseLifetimeSeconds?: number;
}

export interface TestAdmin {
  createUser(name: string): Promise<{ id: number; name: string }>;
  createKey(key: {
    user: string;
    name: string;
    mode: KeyMode;
    ips?: string[];
    numberMatching?: boolean;
    /** Let a TOTP code open a session in place of a push approval. */
    codeFallback?: boolean;
  }): Promise<{ id: number; api_key: string }>;
  pair(user: string): Promise<{ code: string; pairing_url: string; expires_at: string }>;
}

export interface TestServer {
  url: string;
  port: number;
  dbPath: string;
  introspectionSecret: string;
  admin: TestAdmin;
  close(): Promise<void>;
}

/** A temporary directory removed by the returned function. */
export async function tempDir(prefix = 'countersign-test-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const dir = options.dbPath ? null : await tempDir();
  const dbPath = options.dbPath ?? join(dir!.path, 'countersign.db');
  const introspectionSecret = options.introspectionSecret ?? TEST_INTROSPECTION_SECRET;
  const server = await startServer({
    dbPath,
    port: options.port ?? 0,
    host: '127.0.0.1',
    config: {
      introspectionSecret,
      trustProxy: options.trustProxy ?? false,
      ...(options.requestLifetimeSeconds !== undefined
        ? { requestLifetimeSeconds: options.requestLifetimeSeconds }
        : {}),
      ...(options.sessionLifetimeSeconds !== undefined
        ? { sessionLifetimeSeconds: options.sessionLifetimeSeconds }
        : {}),
      ...(options.pingIntervalMs !== undefined ? { pingIntervalMs: options.pingIntervalMs } : {}),
      ...(options.firstUseLifetimeSeconds !== undefined
        ? { firstUseLifetimeSeconds: options.firstUseLifetimeSeconds }
        : {}),
    },
  });
  // The admin works through its own connection, as countersign-admin does beside a running server.
  const admin = AdminCommands.open(
    dbPath,
    options.firstUseLifetimeSeconds !== undefined ? { firstUseLifetimeSeconds: options.firstUseLifetimeSeconds } : {},
  );
  return {
    url: server.url,
    port: server.port,
    dbPath,
    introspectionSecret,
    admin: {
      createUser: (name) => admin.createUser(name),
      createKey: (key) => admin.createKey(key),
      pair: (user) => admin.pair(user, server.url),
    },
    close: async () => {
      await admin.close();
      await server.close();
      await dir?.remove();
    },
  };
}

export interface ServerProcess {
  url: string;
  port: number;
  pid: number;
  /** Sends the signal (default SIGTERM) and resolves once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface ServerProcessOptions {
  dbPath: string;
  port?: number;
  requestLifetimeSeconds?: number;
  pingIntervalMs?: number;
  introspectionSecret?: string;
}

/** Runs node bin/countersign-server.mjs; resolves once its startup line says where it listens. */
export function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const args = [SERVER_BIN, '--port', String(options.port ?? 0), '--db', options.dbPath, '--host', '127.0.0.1'];
  if (options.requestLifetimeSeconds !== undefined) {
    args.push('--request-lifetime', String(options.requestLifetimeSeconds));
  }
  if (options.pingIntervalMs !== undefined) args.push('--ping-interval-ms', String(options.pingIntervalMs));
  args.push('--introspection-secret', options.introspectionSecret ?? TEST_INTROSPECTION_SECRET);
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return new Promise((resolvePromise, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`countersign-server did not start within 20 s. stderr: ${stderr}`));
    }, 20_000);
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = /listening on (https?:\/\/\S+)/.exec(stdout);
      if (!match) return;
      clearTimeout(timer);
      const url = match[1]!;
      resolvePromise({
        url,
        port: Number(new URL(url).port),
        pid: child.pid!,
        stop: (signal = 'SIGTERM') => stopProcess(child, signal, exited),
      });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`countersign-server exited (${code ?? signal}) before listening. stderr: ${stderr}`));
    });
  });
}

async function stopProcess(child: ChildProcess, signal: NodeJS.Signals, exited: Promise<void>): Promise<void> {
  if (child.exitCode === null && child.signalCode === null) child.kill(signal);
  await exited;
}

export type { HttpReply } from './http-reply.js';

export interface HttpOptions {
  method?: string;
  headers?: Record<string, string>;
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown;
  /** Source address of the connection, e.g. 127.0.0.2. */
  localAddress?: string;
  signal?: AbortSignal;
}

/** One HTTP exchange with nothing hidden: real socket, optional source address, no retries. */
export function http(url: string, options: HttpOptions = {}): Promise<HttpReply> {
  const headers: Record<string, string> = { ...options.headers };
  let payload: Buffer | undefined;
  if (options.body !== undefined) {
    if (typeof options.body === 'string' || Buffer.isBuffer(options.body)) payload = Buffer.from(options.body);
    else {
      payload = Buffer.from(JSON.stringify(options.body));
      headers['content-type'] ??= 'application/json';
    }
  }
  return new Promise((resolvePromise, reject) => {
    const req = httpRequest(
      url,
      {
        method: options.method ?? 'GET',
        headers,
        localAddress: options.localAddress,
        signal: options.signal,
        agent: false,
      },
      (res) => readReply(res, resolvePromise, reject),
    );
    req.on('error', reject);
    req.end(payload);
  });
}
