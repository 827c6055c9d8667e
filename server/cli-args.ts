// countersign-server's flags. Mistakes become a UsageError with a sentence that says what to change.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { StartServerOptions } from './index.js';
import { DEFAULT_HOST, DEFAULT_PORT } from './index.js';
import { isPostgresUrl } from './store/open.js';
import { parseTotpKey } from './totp-seal.js';

export const HELP = `Usage: countersign-server [--port 8787] [--db FILE|URL] [--host 127.0.0.1] [--trust-proxy]
                          [--tls-cert FILE --tls-key FILE] [--introspection-secret S]
                          [--request-lifetime SECONDS] [--session-lifetime SECONDS] [--ping-interval-ms MS]
                          [--session-rate-limit N] [--totp-key KEY] [--history-days N]

Runs the Countersign approval server with an embedded SQLite database, or on PostgreSQL, where several
instances (behind one load balancer) share the database and each other's pushes.

Options:
  --port N                    TCP port (default 8787; 0 picks a free one)
  --db FILE                   SQLite database file, created when missing
                              (default $XDG_DATA_HOME/countersign/countersign.db, else ~/.local/share/…)
  --db postgres://USER:PASSWORD@HOST:PORT/DATABASE
                              PostgreSQL instead (tables created on first start; needs --totp-key)
  --host ADDR                 address to listen on (default 127.0.0.1)
  --trust-proxy               take the requester's IP from X-Forwarded-For (only behind your own proxy)
  --tls-cert FILE, --tls-key FILE
                              serve HTTPS and WSS with this certificate and key (PEM)
  --introspection-secret S    Bearer secret for POST /v1/session-server/introspect
                              (or COUNTERSIGN_INTROSPECTION_SECRET; without one introspection is refused)
  --request-lifetime S        seconds a session request waits for a decision (default 120)
  --session-lifetime S        seconds a session lasts (default 3600)
  --ping-interval-ms MS       push stream heartbeat (default 20000)
  --session-rate-limit N      POST /v1/session-server attempts per minute from one IP (IPv6: one /64) before
                              429 (default 60; 0 turns the limit off, e.g. for a load test)
  --totp-key KEY              32 bytes (hex or base64) that seal the devices' TOTP secrets in the database
                              (or COUNTERSIGN_TOTP_KEY; without one a key file FILE.totp-key is made beside
                              the SQLite database, mode 0600 — keep it out of database backups; with
                              PostgreSQL the key is required and must be the same on every instance)
  --history-days N            days session requests are kept in the history (default 90); ended or expired
                              sessions and spent pairing codes are deleted as they end
  -h, --help                  show this text
`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export function defaultDbPath(env: NodeJS.ProcessEnv): string {
  // The XDG spec says a relative XDG_DATA_HOME is invalid and must be ignored.
  const dataHome = env.XDG_DATA_HOME?.startsWith('/') ? env.XDG_DATA_HOME : null;
  return join(dataHome ?? join(homedir(), '.local', 'share'), 'countersign', 'countersign.db');
}

function wholeNumber(flag: string, value: string | undefined, min: number, max: number): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]{1,9}$/.test(value) || Number(value) < min || Number(value) > max) {
    throw new UsageError(`--${flag} must be a whole number from ${min} to ${max} (got "${value}").`);
  }
  return Number(value);
}

export function parseServerArgs(argv: string[], env: NodeJS.ProcessEnv): StartServerOptions | 'help' {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) {
    throw new UsageError('--tls-cert and --tls-key go together: give both or neither.');
  }
  const secret = values['introspection-secret'] ?? env.COUNTERSIGN_INTROSPECTION_SECRET;
  if (secret !== undefined && secret.length < 16) {
    throw new UsageError('The introspection secret must be at least 16 characters.');
  }
  const requestLifetimeSeconds = wholeNumber('request-lifetime', values['request-lifetime'], 1, 86_400);
  const sessionLifetimeSeconds = wholeNumber('session-lifetime', values['session-lifetime'], 1, 30 * 86_400);
  const pingIntervalMs = wholeNumber('ping-interval-ms', values['ping-interval-ms'], 100, 3_600_000);
  const sessionRateLimit = wholeNumber('session-rate-limit', values['session-rate-limit'], 0, 1_000_000);
  const historyDays = wholeNumber('history-days', values['history-days'], 1, 36_500);
  const totpKeyText = values['totp-key'] ?? env.COUNTERSIGN_TOTP_KEY;
  const totpKey = totpKeyText === undefined ? null : parseTotpKey(totpKeyText);
  if (totpKeyText !== undefined && !totpKey) {
    throw new UsageError('The TOTP key must be 32 bytes as 64 hex digits or base64 (e.g. openssl rand -base64 32).');
  }
  return {
    port: wholeNumber('port', values.port, 0, 65_535) ?? DEFAULT_PORT,
    host: values.host ?? DEFAULT_HOST,
    db: databaseOption(values.db, env),
    tls:
      values['tls-cert'] && values['tls-key']
        ? { certFile: values['tls-cert'], keyFile: values['tls-key'] }
        : undefined,
    config: {
      trustProxy: values['trust-proxy'] === true,
      introspectionSecret: secret ?? null,
      ...(requestLifetimeSeconds !== undefined ? { requestLifetimeSeconds } : {}),
      ...(sessionLifetimeSeconds !== undefined ? { sessionLifetimeSeconds } : {}),
      ...(pingIntervalMs !== undefined ? { pingIntervalMs } : {}),
      ...(sessionRateLimit !== undefined ? { sessionRateLimit } : {}),
      ...(historyDays !== undefined ? { historyDays } : {}),
      ...(totpKey ? { totpKey } : {}),
    },
  };
}

/** --db: a postgres:// URL as given (it must parse), else a file path made absolute. */
export function databaseOption(value: string | undefined, env: NodeJS.ProcessEnv): string {
  if (value !== undefined && isPostgresUrl(value)) {
    if (!URL.canParse(value)) throw new UsageError('--db: not a valid postgres:// URL.');
    return value;
  }
  return resolve(value ?? defaultDbPath(env));
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      port: { type: 'string' },
      db: { type: 'string' },
      host: { type: 'string' },
      'trust-proxy': { type: 'boolean' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'introspection-secret': { type: 'string' },
      'request-lifetime': { type: 'string' },
      'session-lifetime': { type: 'string' },
      'ping-interval-ms': { type: 'string' },
      'session-rate-limit': { type: 'string' },
      'totp-key': { type: 'string' },
      'history-days': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
