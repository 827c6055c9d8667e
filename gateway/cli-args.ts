// countersign-gateway's flags. Two ways to say which upstreams: --config FILE, or one upstream on the command line
// (--upstream URL --keys … --secret-file …). Secrets never come from argv: the upstream's and the introspection
// secret are read from files (or the environment).
import { parseArgs } from 'node:util';
import { formatPath, loadConfigFile } from './config-file.js';
import { GatewayConfigFile } from './config-schema.js';
import type { Overrides } from './settings.js';

export const HELP = `Usage: countersign-gateway --config FILE [common options]
       countersign-gateway --upstream URL --keys ID[,ID…] --secret-file FILE
                           [--header "NAME: VALUE with {secret}" | --query NAME] [--prefix /PATH] [common options]
       countersign-gateway seal --seal-key-file FILE --name UPSTREAM   (the secret on standard input)

Forwards a script's requests to an upstream API only while they carry a live, approved Countersign session
(X-Bunq-Client-Authentication) of a key bound to that upstream; strips the token and injects the upstream's
real secret, which the script never holds.

Common options:
  --listen HOST:PORT              where to listen (default 127.0.0.1:8790; port 0 picks a free one)
  --server URL                    the Countersign approval server (or "server" in the config file)
  --introspection-secret-file F   file holding the server's introspection secret
                                  (or COUNTERSIGN_INTROSPECTION_SECRET, or "introspection_secret_file")
  --seal-key-file FILE            key that opens sealed upstream secrets (or COUNTERSIGN_GATEWAY_SEAL_KEY,
                                  or "seal_key_file")
  --history FILE                  append one JSON line per request to FILE (or "history_file")
  --log-level LEVEL               fatal, error, warn (default), info, debug
  -h, --help                      show this text

One upstream on the command line (prefix "/", name "default"):
  --upstream URL                  the upstream API, e.g. https://api.example.com
  --keys ID[,ID…]                 Countersign key ids (credential ids) whose sessions may use it
  --secret-file FILE              file holding the upstream's secret (one line)
  --header "NAME: VALUE"          inject the secret as this header (default "Authorization: Bearer {secret}")
  --query NAME                    inject the secret as this query parameter instead
  --prefix /PATH                  serve it under this path prefix (default /)
  --timeout-ms MS                 upstream answer and idle timeout (default 30000)

Seal a secret for the config file ("secret": {"sealed": "…"}):
  countersign-gateway seal --seal-key-file FILE --name UPSTREAM < secret.txt
                                  prints the sealed value; makes FILE (mode 0600) when it does not exist
`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug'] as const;

export type GatewayCommand =
  | 'help'
  | { kind: 'seal'; sealKeyFile: string; name: string }
  | {
      kind: 'run';
      file: GatewayConfigFile;
      configPath: string | null;
      overrides: Overrides;
      logLevel: (typeof LOG_LEVELS)[number];
    };

/** The flag that set a field of the one-upstream config, for messages. */
const FLAG_OF: Record<string, string> = {
  'upstreams[0].url': '--upstream',
  'upstreams[0].keys': '--keys',
  'upstreams[0].prefix': '--prefix',
  'upstreams[0].inject': '--header/--query',
  'upstreams[0].inject.header': '--header',
  'upstreams[0].inject.value': '--header',
  'upstreams[0].inject.query': '--query',
  'upstreams[0].timeout_ms': '--timeout-ms',
  listen: '--listen',
};

function oneUpstreamConfig(values: ReturnType<typeof parse>['values']): GatewayConfigFile {
  if (!values.keys) throw new UsageError('--upstream needs --keys ID[,ID…]: which Countersign keys may use it.');
  if (!values['secret-file']) throw new UsageError("--upstream needs --secret-file FILE: the upstream's secret.");
  if (values.header !== undefined && values.query !== undefined) {
    throw new UsageError('Give --header or --query, not both.');
  }
  let inject: Record<string, string> = { header: 'Authorization', value: 'Bearer {secret}' };
  if (values.query !== undefined) inject = { query: values.query };
  else if (values.header !== undefined) {
    const match = /^([^:]+):\s*(.*)$/.exec(values.header);
    if (!match) throw new UsageError('--header takes "NAME: VALUE", e.g. "X-Api-Key: {secret}".');
    inject = { header: match[1]!.trim(), value: match[2]! };
  }
  const keys = values.keys.split(',').map((id) => (/^[0-9]{1,9}$/.test(id.trim()) ? Number(id) : Number.NaN));
  const raw = {
    upstreams: [
      {
        name: 'default',
        prefix: values.prefix ?? '/',
        url: values.upstream,
        keys,
        inject,
        secret: { file: values['secret-file'] },
        ...(values['timeout-ms'] !== undefined ? { timeout_ms: Number(values['timeout-ms']) } : {}),
      },
    ],
  };
  const parsed = GatewayConfigFile.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new UsageError(
    parsed.error.issues
      .map((issue) => {
        const path = formatPath(issue.path);
        const at = Object.keys(FLAG_OF).find((key) => path === key || path.startsWith(`${key}[`));
        return `${at ? FLAG_OF[at] : path}: ${issue.message}`;
      })
      .join('\n'),
  );
}

export function parseGatewayArgs(argv: string[]): GatewayCommand {
  const seal = argv[0] === 'seal';
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(seal ? argv.slice(1) : argv).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  if (seal) {
    if (!values['seal-key-file'] || !values.name)
      throw new UsageError('seal needs --seal-key-file FILE and --name UPSTREAM.');
    return { kind: 'seal', sealKeyFile: values['seal-key-file'], name: values.name };
  }
  if ((values.config === undefined) === (values.upstream === undefined)) {
    throw new UsageError('Give either --config FILE or --upstream URL (with --keys and --secret-file).');
  }
  const oneUpstreamFlags = ['keys', 'secret-file', 'header', 'query', 'prefix', 'timeout-ms'] as const;
  if (values.config !== undefined) {
    const stray = oneUpstreamFlags.filter((flag) => values[flag] !== undefined);
    if (stray.length > 0)
      throw new UsageError(`--${stray[0]} goes with --upstream; with --config, set it in the file.`);
  }
  const logLevel = values['log-level'] ?? 'warn';
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new UsageError(`--log-level takes ${LOG_LEVELS.join(', ')} (got "${logLevel}").`);
  }
  // A ConfigError (FILE:LINE: …) from the file, a UsageError (--flag: …) from the one-upstream flags.
  const file = values.config !== undefined ? loadConfigFile(values.config) : oneUpstreamConfig(values);
  return {
    kind: 'run',
    file,
    configPath: values.config ?? null,
    logLevel: logLevel as (typeof LOG_LEVELS)[number],
    overrides: {
      ...(values.listen !== undefined ? { listen: values.listen } : {}),
      ...(values.server !== undefined ? { server: values.server } : {}),
      ...(values['introspection-secret-file'] !== undefined
        ? { introspectionSecretFile: values['introspection-secret-file'] }
        : {}),
      ...(values['seal-key-file'] !== undefined ? { sealKeyFile: values['seal-key-file'] } : {}),
      ...(values.history !== undefined ? { historyFile: values.history } : {}),
    },
  };
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      config: { type: 'string' },
      listen: { type: 'string' },
      server: { type: 'string' },
      'introspection-secret-file': { type: 'string' },
      'seal-key-file': { type: 'string' },
      history: { type: 'string' },
      'log-level': { type: 'string' },
      upstream: { type: 'string' },
      keys: { type: 'string' },
      'secret-file': { type: 'string' },
      header: { type: 'string' },
      query: { type: 'string' },
      prefix: { type: 'string' },
      'timeout-ms': { type: 'string' },
      name: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}
