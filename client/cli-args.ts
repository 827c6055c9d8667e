// countersign-session's command line: flags, environment fallbacks and --help. Usage mistakes become a
// UsageError with a sentence that says what to change.
import { createInterface } from 'node:readline/promises';
import { parseArgs } from 'node:util';
import { DisplayText } from '../protocol/index.js';
import { firstLine, inlineSecretWarning, readSecretFile } from '../cli/secret-input.js';
import { serverUrl } from './http.js';
import { plainHttpGuard } from './transport.js';

export const HELP = `Usage: countersign-session --server URL [--api-key-file FILE | --api-key-stdin]
                           [--description TEXT] [--timeout S] [--totp [CODE]] [--show-code] [--insecure-http]
                           [--installation FILE | --no-installation]
       countersign-session login --server URL [--api-key-file FILE | --api-key-stdin] [--installation FILE]

Opens a session on a Countersign approval server with an API key. When the key asks its owner
(mode push, or push-unless-trusted from an IP the key does not trust yet), waits until the owner
approves or blocks on their desktop, showing progress on stderr. Prints only the session token
on stdout, so TOKEN=$(countersign-session …) works. When the key asks for a code, the owner types
the code shown here on their desktop; it is printed only when stderr is a terminal (or with
--show-code). While no approver device of the owner is online, it says so, with the time left.

Options:
  --server URL          the approval server, e.g. https://countersign.example.com
                        (or the environment variable COUNTERSIGN_SERVER). Plain http:// only to this
                        machine (localhost, 127.0.0.0/8, ::1) unless --insecure-http is given
  The API key, one way (none of them puts it in your shell history or the process list):
    COUNTERSIGN_API_KEY   the environment variable, used when no flag below is given
    --api-key-file FILE   the first line of FILE
    --api-key-stdin       the first line of standard input ("--api-key -" does the same)
    (--api-key KEY still works but warns: every user of this machine can read KEY in the process list)
    none of them      the key kept by "countersign-session login" for this server
  --description TEXT    shown to the key owner with the request (at most 200 characters)
  --timeout S           stop waiting after S seconds (the server lets a request expire after
                        120 s unless it was configured otherwise)
  --totp CODE           offline fallback: the 6-digit code your Countersign desktop shows (it works
                        without a connection). For a key that allows code fallback the session opens
                        at once, no push. "--totp" alone asks for the code on the terminal.
  --show-code           print the code to type on stderr even when stderr is not a terminal (a log
                        the key's owner reads); by default it is shown on a terminal only
  --insecure-http       allow plain http:// to a server that is not on this machine: the API key, the
                        code and the token then cross the network unencrypted. Only on a network you trust
  --installation FILE   keep this program's installation key (and a key from login) in FILE (JSON, mode
                        0600) instead of the default place
  --no-installation     send unsigned requests: no installation key is made, read or registered
  -h, --help            show this text

Installation key: on first use with a server and API key, countersign-session makes an Ed25519 key
pair for this machine, registers its public half (POST /v1/installation) and signs every request with
it, so the key owner sees which program asks and can trust it for a while ("approve for 8 h"). It
lives in the OS keychain (service "countersign-requester") when this machine has one, else in
$XDG_CONFIG_HOME/countersign/requester.json (default ~/.config/countersign/requester.json, mode 0600).

login: checks the API key (it registers the installation) and keeps it in the same place, so that
scripts need the key in no environment variable, file or shell history: afterwards
"countersign-session --server URL" finds it.

Exit status:
  0    approved, or opened at once (ip-only key, trusted IP): the token is on stdout
  2    blocked by the key owner
  3    expired, or --timeout reached, before anyone decided
  1    error: bad flags, unreadable key file, plain http:// refused, key or IP refused (HTTP 401),
       too many waiting requests (HTTP 429), server unreachable
  130  interrupted (Ctrl-C)

Examples:
  TOKEN=$(countersign-session --server https://cs.example.com --api-key-file ci-bot.key --description "nightly")
  countersign-session --server https://cs.example.com --api-key-stdin < ci-bot.key
  COUNTERSIGN_API_KEY="$(cat ci-bot.key)" countersign-session --server http://127.0.0.1:8787 --timeout 60
`;

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

export interface SessionCliArgs {
  /** session: open a session; login: keep the API key in the identity store. */
  command: 'session' | 'login';
  server: string;
  /**
   * The key itself (from the environment, a file or the command line), to be read from standard input, or — none
   * given — the one `login` kept for this server.
   */
  apiKey: string | { fromStdin: true } | { fromStore: true };
  /** Where the installation key lives: a file, the default place (null), or nowhere (unsigned). */
  installation: { file: string | null } | false;
  /** Plain http:// to a host that is not this machine is allowed. */
  insecureHttp: boolean;
  /** For stderr: what works but should not be done (a key on the command line). */
  warnings: string[];
  description?: string;
  timeoutSeconds?: number;
  /** The TOTP code, or 'prompt' to ask for it on the terminal. */
  totp?: string | 'prompt';
  /** Print the code to type even when stderr is not a terminal. */
  showCode: boolean;
}

const TOTP_PATTERN = /^[0-9]{6}$/;

/** Parses argv (without node and script); returns 'help' when help was asked for. */
export function parseSessionArgs(argv: string[], env: NodeJS.ProcessEnv): SessionCliArgs | 'help' {
  let values: ReturnType<typeof parse>['values'];
  let command: SessionCliArgs['command'] = 'session';
  try {
    const parsed = parse(withTotpPrompt(argv));
    values = parsed.values;
    if (parsed.positionals.length > 0) {
      if (parsed.positionals.length > 1 || parsed.positionals[0] !== 'login') {
        throw new Error(`Unexpected argument "${parsed.positionals[0]}": the only command is "login".`);
      }
      command = 'login';
    }
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (values.help) return 'help';
  if (values['no-installation'] && values.installation !== undefined) {
    throw new UsageError('Give --installation FILE or --no-installation, not both.');
  }
  if (command === 'login' && values['no-installation']) {
    throw new UsageError('login keeps the key with the installation: it does not take --no-installation.');
  }
  if (values.installation === '') throw new UsageError('--installation needs a file.');

  const server = values.server ?? env.COUNTERSIGN_SERVER;
  if (!server) throw new UsageError('--server URL is required (or set COUNTERSIGN_SERVER).');
  const insecureHttp = values['insecure-http'] === true;
  try {
    plainHttpGuard(serverUrl(server), insecureHttp);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }

  const warnings: string[] = [];
  const apiKey = apiKeySource(values, env, warnings);
  if (command === 'login' && typeof apiKey === 'object' && 'fromStore' in apiKey) {
    throw new UsageError(
      'login needs the API key: set COUNTERSIGN_API_KEY, or give --api-key-file FILE or --api-key-stdin.',
    );
  }
  const installation = values['no-installation'] ? false : { file: values.installation ?? null };
  const args: SessionCliArgs = {
    command,
    server,
    apiKey,
    installation,
    insecureHttp,
    warnings,
    showCode: values['show-code'] === true,
  };
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
  if (values['totp-prompt']) {
    if (typeof apiKey === 'object' && 'fromStdin' in apiKey) {
      throw new UsageError('--api-key-stdin and "--totp" without a code both need standard input: give --totp CODE.');
    }
    args.totp = 'prompt';
  } else if (values.totp !== undefined) {
    if (!TOTP_PATTERN.test(values.totp)) {
      throw new UsageError(`--totp must be the 6-digit code your desktop shows (got "${values.totp}").`);
    }
    args.totp = values.totp;
  }
  return args;
}

/** Where the API key comes from: at most one flag, else COUNTERSIGN_API_KEY. A file is read here. */
function apiKeySource(
  values: ReturnType<typeof parse>['values'],
  env: NodeJS.ProcessEnv,
  warnings: string[],
): SessionCliArgs['apiKey'] {
  const inline = values['api-key'];
  const given = [
    inline !== undefined && (inline === '-' ? '"--api-key -"' : '--api-key'),
    values['api-key-file'] !== undefined && '--api-key-file',
    values['api-key-stdin'] === true && '--api-key-stdin',
  ].filter((flag) => flag !== false);
  if (given.length > 1) throw new UsageError(`Give the API key one way, not with ${given.join(' and ')}.`);
  if (values['api-key-stdin'] || inline === '-') return { fromStdin: true };
  if (values['api-key-file'] !== undefined) {
    try {
      return readSecretFile(values['api-key-file'], '--api-key-file');
    } catch (error) {
      throw new UsageError((error as Error).message);
    }
  }
  if (inline !== undefined) {
    if (inline === '') throw new UsageError('--api-key must not be empty.');
    warnings.push(inlineSecretWarning('--api-key KEY', 'COUNTERSIGN_API_KEY, --api-key-file FILE or --api-key-stdin'));
    return inline;
  }
  if (env.COUNTERSIGN_API_KEY) return env.COUNTERSIGN_API_KEY;
  return { fromStore: true };
}

/** No key given and none kept by login. */
export const MISSING_KEY =
  'The API key is missing: set COUNTERSIGN_API_KEY, or give --api-key-file FILE or --api-key-stdin, or keep it with countersign-session login --server URL.';

/** "--totp" with no code after it (last, or followed by another flag) means: ask for the code. */
function withTotpPrompt(argv: string[]): string[] {
  return argv.map((arg, i) => (arg === '--totp' && (argv[i + 1] ?? '-').startsWith('-') ? '--totp-prompt' : arg));
}

/**
 * Asks for the code on the terminal: prompt on stderr (stdout carries only the token), one line from stdin.
 * Refuses when stdin is not a terminal, where a prompt would wait for nobody.
 */
export async function promptTotp(stdin: NodeJS.ReadStream, stderr: NodeJS.WritableStream): Promise<string> {
  if (!stdin.isTTY) {
    throw new UsageError('--totp without a code asks on a terminal, but standard input is not one: give --totp CODE.');
  }
  const lines = createInterface({ input: stdin, output: stderr, terminal: false });
  try {
    const code = (await lines.question('Code from your Countersign desktop: ')).trim();
    if (!TOTP_PATTERN.test(code)) throw new UsageError(`The code must be 6 digits (got "${code}").`);
    return code;
  } finally {
    lines.close();
  }
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    strict: true,
    allowPositionals: true,
    options: {
      server: { type: 'string' },
      'api-key': { type: 'string' },
      'api-key-file': { type: 'string' },
      'api-key-stdin': { type: 'boolean' },
      'insecure-http': { type: 'boolean' },
      'show-code': { type: 'boolean' },
      description: { type: 'string' },
      timeout: { type: 'string' },
      totp: { type: 'string' },
      'totp-prompt': { type: 'boolean' },
      installation: { type: 'string' },
      'no-installation': { type: 'boolean' },
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
  const key = firstLine(Buffer.concat(chunks).toString('utf8'));
  if (!key) throw new UsageError('--api-key-stdin found no API key on standard input.');
  return key;
}
