// The real approval server in its own process (node bin/countersign-server.mjs, exactly what operators run), so
// that the load generator never shares its event loop, its CPU time or its file-descriptor limit.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { HELP } from '../../server/cli-args.js';
import { spawnChild, stopChild, waitForLine } from './children.js';
import { GC_PROBE_FLAGS, type MemoryReading, memoryProbe } from './memory-probe.js';
import { STATEMENT_PROBE_FLAGS, type StatementReading, statementReader } from './statement-counts.js';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const SERVER_BIN = resolve(ROOT, 'bin/countersign-server.mjs');

/**
 * The per-IP limit on POST /v1/session-server (60 a minute by default) is a defence against floods; a load test
 * from one address is such a flood by design, so it is turned off — the flag the server offers for this.
 */
const NO_SESSION_RATE_LIMIT = HELP.includes('--session-rate-limit') ? ['--session-rate-limit', '0'] : [];

export interface ServerChild {
  /** The name it was started with (its stderr prefix and profile name). */
  name: string;
  url: string;
  pid: number;
  /** Memory after a full garbage collection in the server. */
  readMemory(): Promise<MemoryReading>;
  /** Statements executed so far, by SQL text; only when started with countStatements. */
  readStatements(): Promise<StatementReading>;
  stop(): Promise<void>;
}

export interface ServerChildOptions {
  /** --db: a SQLite file path or a postgres:// URL. */
  db: string;
  /** COUNTERSIGN_TOTP_KEY (PostgreSQL needs one, the same on every instance); SQLite makes its own key file when absent. */
  totpKey?: string;
  /** Prefix of the child's stderr lines passed on (tells two instances apart). */
  name?: string;
  /** Write a V8 CPU profile of the whole run into this directory (node --cpu-prof), as <name>.cpuprofile. */
  cpuProfileDir?: string;
  /** Extra environment, e.g. COUNTERSIGN_INTROSPECTION_SECRET (a secret never goes on the command line). */
  env?: NodeJS.ProcessEnv;
  /** Preload the driver instrumentation (bench/support/statement-probe.mjs) so readStatements() works. */
  countStatements?: boolean;
}

export async function startServerChild(options: ServerChildOptions): Promise<ServerChild> {
  const nodeFlags = [...GC_PROBE_FLAGS];
  const name = options.name ?? 'server';
  if (options.cpuProfileDir) {
    nodeFlags.push('--cpu-prof', `--cpu-prof-dir=${options.cpuProfileDir}`, `--cpu-prof-name=${name}.cpuprofile`);
  }
  if (options.countStatements) nodeFlags.push(...STATEMENT_PROBE_FLAGS);
  // In the environment, not on the command line, where the process list would show it.
  const env = { ...process.env, ...options.env, ...(options.totpKey ? { COUNTERSIGN_TOTP_KEY: options.totpKey } : {}) };
  const child = spawnChild(
    process.execPath,
    [...nodeFlags, SERVER_BIN, ...['--port', '0', '--host', '127.0.0.1', '--db', options.db], ...NO_SESSION_RATE_LIMIT],
    { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  const readMemory = memoryProbe(child, `[${name}]`);
  const readStatements = options.countStatements
    ? statementReader(child)
    : () => Promise.reject(new Error(`${name} was started without countStatements`));
  const match = await waitForLine(child, /listening on (http:\/\/\S+)/, 'countersign-server');
  // Keep draining stdout so a chatty server never blocks on a full pipe.
  child.stdout?.resume();
  return {
    name,
    url: match[1]!,
    pid: child.pid!,
    readMemory,
    readStatements,
    stop: () => stopChild(child, 'SIGTERM', 15_000),
  };
}
