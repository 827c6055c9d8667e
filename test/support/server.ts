// Real approval servers for tests: in-process on a free loopback port with a fresh database (a SQLite file, or with
// COUNTERSIGN_TEST_STORE=postgres a fresh PostgreSQL database), or as a real child process
// (node bin/countersign-server.mjs) for kill/restart tests. Plus a plain HTTP helper that can bind a source address
// (127.0.0.2) for the permitted-IP rules.
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { KeyMode } from '../../protocol/index.js';
import { AdminCommands } from '../../server/admin/commands.js';
import type { GeoIpPaths } from '../../server/geoip/observer.js';
import { NO_TRUSTED_PROXY, parseTrustProxy } from '../../server/http/trusted-proxies.js';
import { type RunningServer, startServer } from '../../server/index.js';
import { hashSecret } from '../../server/secrets.js';
import { WEBHOOK_DEFAULTS, type WebhookConfig } from '../../server/webhooks/config.js';
import { type HttpReply, readReply } from './http-reply.js';
import { createTestDatabase, type TestStoreKind, testStoreKind } from './postgres.js';

const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
export const SERVER_BIN = join(ROOT, 'bin', 'countersign-server.mjs');
export const ADMIN_BIN = join(ROOT, 'bin', 'countersign-admin.mjs');

/** The introspection secret test servers use unless told otherwise. */
export const TEST_INTROSPECTION_SECRET = 'test-introspection-secret-0123456789';

export interface TestServerOptions {
  /** A database of the caller's (a SQLite file or postgres:// URL), kept on close; else a fresh one, removed on close. */
  db?: string;
  /** The TOTP sealing key; with PostgreSQL a random one when not given (SQLite keeps its key file). */
  totpKey?: Buffer;
  requestLifetimeSeconds?: number;
  sessionLifetimeSeconds?: number;
  introspectionSecret?: string;
  pingIntervalMs?: number;
  port?: number;
  /** Address to listen on (default 127.0.0.1). */
  host?: string;
  /** --trust-proxy's value: proxy addresses/CIDRs ("127.0.0.1,10.0.0.0/8") or a hop count ("1"). */
  trustProxy?: string;
  /** How long a never-used key stays valid (default 30 days). */
  firstUseLifetimeSeconds?: number;
  /** How long a claimed request's token may be collected again after delivery (default 60 s). */
  tokenRedeliverySeconds?: number;
  /** Days of request history kept (default 90). */
  historyDays?: number;
  /** How often the sweeper prunes (default 30 s). */
  pruneIntervalMs?: number;
  /** The server's clock (default Date.now): a test moves it forward to let grants and requests expire. */
  now?: () => number;
  /** Signed webhooks to these receivers (the tuning defaults to quick retries for tests). */
  webhooks?: Pick<WebhookConfig, 'urls' | 'secret'> & Partial<WebhookConfig>;
  /** The operator API's Bearer token (the server keeps its hash). */
  operatorToken?: string;
  /** Session attempts per minute per address (0: no limit, for benchmarks). */
  sessionRateLimit?: number;
  /**
   * GeoIP/ASN databases: 'installed' (the npm packages, as countersign-server uses by default), folders of one's
   * own (a missing or corrupt one on purpose), or 'off' — the default here: reading them costs a second and some
   * 200 MB per test process, and only the tests about what the server observes need them.
   */
  geoip?: 'installed' | 'off' | Partial<GeoIpPaths>;
}

export interface TestAdmin {
  createUser(name: string): Promise<{ id: number; name: string }>;
  createKey(key: {
    user: string;
    name: string;
    mode: KeyMode;
    ips?: string[];
    /** Digits of the typed code; default 0 here (tests approve without one unless they say). */
    codeLength?: number;
    /** As before typed codes: true asks for the default 3-digit code. */
    numberMatching?: boolean;
    /** Let a TOTP code open a session in place of a push approval. */
    codeFallback?: boolean;
  }): Promise<{ id: number; api_key: string }>;
  pair(user: string): Promise<{ code: string; pairing_url: string; expires_at: string }>;
}

export interface TestServer {
  url: string;
  port: number;
  /** The database: a SQLite file path or a postgres:// URL. */
  db: string;
  store: TestStoreKind;
  /** The configured TOTP sealing key; null when SQLite's key file beside the database holds it. */
  totpKey: Buffer | null;
  introspectionSecret: string;
  admin: TestAdmin;
  /** The server's streams and waiters (e.g. to know that a long-poll is waiting). */
  hubStats: RunningServer['hubStats'];
  close(): Promise<void>;
}

/** A temporary directory removed by the returned function. */
export async function tempDir(prefix = 'countersign-test-'): Promise<{ path: string; remove(): Promise<void> }> {
  const path = await mkdtemp(join(tmpdir(), prefix));
  return { path, remove: () => rm(path, { recursive: true, force: true }) };
}

export function storeOf(db: string): TestStoreKind {
  return /^postgres(ql)?:\/\//i.test(db) ? 'postgres' : 'sqlite';
}

export interface TestDb {
  /** A SQLite file path (not made yet) or the URL of an empty PostgreSQL database. */
  db: string;
  store: TestStoreKind;
  /** With PostgreSQL a random key (the server needs one there); null for SQLite, which makes its own key file. */
  totpKey: Buffer | null;
  /** Removes the temp dir or drops the database. */
  remove(): Promise<void>;
}

/** A fresh database for one test server of the store under test (testStoreKind()). */
export async function createTestDb(store: TestStoreKind = testStoreKind()): Promise<TestDb> {
  if (store === 'postgres') {
    const database = await createTestDatabase();
    return { db: database.url, store, totpKey: randomBytes(32), remove: () => database.drop() };
  }
  const dir = await tempDir();
  return { db: join(dir.path, 'countersign.db'), store, totpKey: null, remove: () => dir.remove() };
}

export async function startTestServer(options: TestServerOptions = {}): Promise<TestServer> {
  const fresh = options.db ? null : await createTestDb();
  const db = options.db ?? fresh!.db;
  const store = storeOf(db);
  const totpKey = options.totpKey ?? fresh?.totpKey ?? (store === 'postgres' ? randomBytes(32) : null);
  const introspectionSecret = options.introspectionSecret ?? TEST_INTROSPECTION_SECRET;
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({
      db,
      // Every reply of the server suite is checked against the schema its route advertises.
      validateReplies: true,
      port: options.port ?? 0,
      host: options.host ?? '127.0.0.1',
      geoip:
        options.geoip === undefined || options.geoip === 'off'
          ? 'off'
          : options.geoip === 'installed'
            ? {}
            : options.geoip,
      config: {
        introspectionSecret,
        trustProxy: options.trustProxy === undefined ? NO_TRUSTED_PROXY : parseTrustProxy(options.trustProxy),
        ...(totpKey ? { totpKey } : {}),
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
        ...(options.historyDays !== undefined ? { historyDays: options.historyDays } : {}),
        ...(options.tokenRedeliverySeconds !== undefined
          ? { tokenRedeliverySeconds: options.tokenRedeliverySeconds }
          : {}),
        // Retention is off unless a test asks for it: it would delete spent pairing codes and ended sessions under
        // the tests' "changes nothing" snapshots.
        pruneIntervalMs: options.pruneIntervalMs ?? 3_600_000,
        ...(options.now ? { now: options.now } : {}),
        ...(options.webhooks
          ? { webhooks: { ...WEBHOOK_DEFAULTS, minRetryMs: 50, maxRetryMs: 400, pollMs: 50, ...options.webhooks } }
          : {}),
        ...(options.operatorToken !== undefined ? { operatorTokenHash: hashSecret(options.operatorToken) } : {}),
        ...(options.sessionRateLimit !== undefined ? { sessionRateLimit: options.sessionRateLimit } : {}),
      },
    });
  } catch (error) {
    await fresh?.remove();
    throw error;
  }
  // The admin works through its own connection, as countersign-admin does beside a running server.
  const admin = await AdminCommands.open(
    db,
    options.firstUseLifetimeSeconds !== undefined ? { firstUseLifetimeSeconds: options.firstUseLifetimeSeconds } : {},
  );
  return {
    url: server.url,
    port: server.port,
    db,
    store,
    totpKey,
    introspectionSecret,
    admin: {
      createUser: (name) => admin.createUser(name),
      createKey: (key) => admin.createKey(key),
      pair: (user) => admin.pair(user, server.url),
    },
    hubStats: () => server.hubStats(),
    close: async () => {
      try {
        await admin.close();
        await server.close();
      } finally {
        await fresh?.remove();
      }
    },
  };
}

export interface ServerProcess {
  url: string;
  port: number;
  pid: number;
  /** What it printed on stdout up to and including its startup line. */
  startupLine: string;
  /** Sends the signal (default SIGTERM) and resolves once the process has exited. */
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export interface ServerProcessOptions {
  /** A SQLite file path or a postgres:// URL (--db). */
  db: string;
  /** COUNTERSIGN_TOTP_KEY: 32 bytes, or their hex or base64 text. Required by the server with PostgreSQL. */
  totpKey?: Buffer | string | null;
  port?: number;
  requestLifetimeSeconds?: number;
  pingIntervalMs?: number;
  introspectionSecret?: string;
  /** More flags, after the ones above. */
  extraArgs?: string[];
  /** Load the installed GeoIP/ASN databases (default false: --no-geoip, a second and 200 MB saved per process). */
  geoip?: boolean;
  env?: NodeJS.ProcessEnv;
}

/** Runs node bin/countersign-server.mjs; resolves once its startup line says where it listens. */
export function startServerProcess(options: ServerProcessOptions): Promise<ServerProcess> {
  const args = [SERVER_BIN, '--port', String(options.port ?? 0), '--db', options.db, '--host', '127.0.0.1'];
  // The secrets go in the environment, as an operator should pass them: never on the command line.
  const env: NodeJS.ProcessEnv = {
    ...(options.env ?? process.env),
    COUNTERSIGN_INTROSPECTION_SECRET: options.introspectionSecret ?? TEST_INTROSPECTION_SECRET,
  };
  if (options.totpKey) {
    env.COUNTERSIGN_TOTP_KEY = typeof options.totpKey === 'string' ? options.totpKey : options.totpKey.toString('hex');
  }
  if (options.requestLifetimeSeconds !== undefined) {
    args.push('--request-lifetime', String(options.requestLifetimeSeconds));
  }
  if (options.pingIntervalMs !== undefined) args.push('--ping-interval-ms', String(options.pingIntervalMs));
  if (!options.geoip) args.push('--no-geoip');
  args.push(...(options.extraArgs ?? []));
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], cwd: ROOT, env });
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
        startupLine: stdout,
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
