// countersign-session's command line: flags, environment fallbacks and --help. Usage mistakes become a
// UsageError with a sentence that says what to change.
import { parseArgs } from 'node:util';
import { DisplayText } from '../protocol/index.js';
import { serverUrl } from './http.js';

export const HELP = `Usage: countersign-session --server URL --api-key KEY [--description TEXT] [--timeout S]

Opens a session on a Countersign approval server with an API key. When the key asks its owner
(mode push, or push-unless-trusted from an IP the key does not trust yet), waits until the owner
approves or blocks on their desktop, showing progress on stderr. Prints only the session token
on stdout, so TOKEN=$(countersign-session …) works.

Options:
  --server URL          the approval server, e.g. https://countersign.example.com
                        (or the environment variable COUNTERSIGN_SERVER)
  --api-key KEY         the API key. "--api-key -" reads it from standard input; without the flag
                        it comes from the environment variable COUNTERSIGN_API_KEY. Either way the
                        key stays out of your shell history and the process list.
  --description TEXT    shown to the key owner with the request (at most 200 characters)
  --timeout S           stop waiting after S seconds (the server lets a request expire after
                        120 s unless it was configured otherwise)
  -h, --help            show this text

Exit status:
  0    approved, or opened at once (ip-only key, trusted IP): the token is on stdout
  2    blocked by the key owner
  3    expired, or --timeout reached, before anyone decided
  1    error: bad flags, key or IP refused (HTTP 401), too many waiting requests (HTTP 429),
       server unreachable
  130  interrupted (Ctrl-C)

Examples:
  TOKEN=$(countersign-session --server https://cs.example.com --api-key - --description "nightly export" < key.txt)
  COUNTERSIGN_API_KEY=… countersign-session --server http://127.0.0.1:8787 --timeout 60
`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface SessionCliArgs {
  server: string;
  /** The key itself, or 'stdin' when it is to be read from standard input. */
  apiKey: string | { fromStdin: true };
  description?: string;
  timeoutSeconds?: number;
}

/** Parses argv (without node and script); returns 'help' when help was asked for. */
export function parseSessionArgs(argv: string[], env: NodeJS.ProcessEnv): SessionCliArgs | 'help' {
  let values: ReturnType<typeof parse>['values'];
  try {
    values = parse(argv).values;
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';

  const server = values.server ?? env.COUNTERSIGN_SERVER;
  if (!server) throw new UsageError('--server URL is required (or set COUNTERSIGN_SERVER).');
  try {
    serverUrl(server);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }

  let apiKey: SessionCliArgs['apiKey'];
  if (values['api-key'] === '-') apiKey = { fromStdin: true };
  else if (values['api-key'] !== undefined) apiKey = values['api-key'];
  else if (env.COUNTERSIGN_API_KEY) apiKey = env.COUNTERSIGN_API_KEY;
  else
    throw new UsageError('--api-key KEY is required (or "--api-key -" to read it from stdin, or COUNTERSIGN_API_KEY).');
  if (apiKey === '') throw new UsageError('--api-key must not be empty.');

  const args: SessionCliArgs = { server, apiKey };
  if (values.description !== undefined) {
    const checked = DisplayText(200).safeParse(values.description);
    if (!checked.success) throw new UsageError(`--description ${checked.error.issues[0]?.message ?? 'is not valid'}.`);
    args.description = values.description;
  }
  if (values.timeout !== undefined) {
    if (!/^[0-9]{1,6}$/.test(values.timeout) || Number(values.timeout) < 1) {
      throw new UsageError(`--timeout must be a whole number of seconds, 1 or more (got "${values.timeout}").`);
    }
    args.timeoutSeconds = Number(values.timeout);
  }
  return args;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: false,
    options: {
      server: { type: 'string' },
      'api-key': { type: 'string' },
      description: { type: 'string' },
      timeout: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  });
}

/** The key from standard input: its first line, without surrounding whitespace (reading stops at that line). */
export async function readKeyFromStdin(stdin: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of stdin) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk);
    chunks.push(buffer);
    if (buffer.includes(0x0a)) break;
  }
  const key = (Buffer.concat(chunks).toString('utf8').split(/\r?\n/)[0] ?? '').trim();
  if (!key) throw new UsageError('"--api-key -" found no API key on standard input.');
  return key;
}
