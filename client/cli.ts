// countersign-session: opens a session with an API key, waits for the owner's approval when the key asks for it,
// and prints only the session token on stdout. Exit codes: 0 accepted, 2 rejected, 3 expired or --timeout,
// 1 error, 130 interrupted.
import {
  HELP,
  MISSING_KEY,
  parseSessionArgs,
  promptTotp,
  readKeyFromStdin,
  type SessionCliArgs,
  UsageError,
} from './cli-args.js';
import { CountersignError } from './errors.js';
import { type IdentityStore, openIdentityStore } from './identity-store.js';
import {
  apiKeyAccount,
  ensureInstallation,
  forgetInstallation,
  type InstallationSigner,
  isUnknownInstallation,
} from './installation.js';
import { type OpenSessionOptions, openSession } from './open-session.js';
import { ProgressDisplay } from './progress-display.js';

export const ExitCode = { ACCEPTED: 0, ERROR: 1, REJECTED: 2, EXPIRED: 3, INTERRUPTED: 130 } as const;

const USER_AGENT = `countersign-session (Countersign protocol v1; Node ${process.version}; ${process.platform})`;

function explain(error: unknown, withCode = false): string {
  if (error instanceof UsageError) return `${error.message}\nRun countersign-session --help for usage.`;
  if (error instanceof CountersignError) {
    if (error.status === 401 && withCode) {
      return `${error.message}\nThe server refused this key or code: check the code is the current one on your desktop (each code works once), and that the key allows code fallback, is active and permits this machine's IP address.`;
    }
    if (error.status === 401) {
      return `${error.message}\nThe server refused this key: check the key, and that it is active and permits this machine's IP address.`;
    }
    if (error.status === 429 && error.retryAfterSeconds !== null) {
      return `${error.message} (HTTP 429; the server asks to wait ${error.retryAfterSeconds} s)`;
    }
    if (error.status !== null) return `${error.message} (HTTP ${error.status})`;
    return error.message;
  }
  return error instanceof Error ? error.message : String(error);
}

/** The API key as the arguments say where it is: given, on standard input, or kept by login. */
async function resolveKey(args: SessionCliArgs, store: IdentityStore | null): Promise<string> {
  if (typeof args.apiKey === 'string') return args.apiKey;
  if ('fromStdin' in args.apiKey) return readKeyFromStdin(process.stdin);
  const kept = store ? await store.read(apiKeyAccount(args.server)) : null;
  if (kept === null) throw new UsageError(MISSING_KEY);
  return kept;
}

/**
 * This machine's installation for the server and key, registered on first use. A key the server refuses (401)
 * gives none: the session request then fails with the server's usual answer.
 */
async function installationFor(
  args: SessionCliArgs,
  store: IdentityStore | null,
  apiKey: string,
  signal: AbortSignal,
): Promise<InstallationSigner | null> {
  if (!store) return null;
  try {
    return await ensureInstallation({ server: args.server, apiKey, store, insecureHttp: args.insecureHttp, signal });
  } catch (error) {
    if (error instanceof CountersignError && error.status === 401 && args.command === 'session') return null;
    throw error;
  }
}

/** Opens the session; once more with a new installation when the server no longer knows the stored one. */
async function openSigned(options: OpenSessionOptions, again: () => Promise<InstallationSigner | null>) {
  try {
    return await openSession(options);
  } catch (error) {
    if (!options.installation || !isUnknownInstallation(error)) throw error;
    // Refused before anything was created, so asking again puts no second request in front of the owner.
    return openSession({ ...options, installation: await again() });
  }
}

async function login(args: SessionCliArgs, store: IdentityStore, signal: AbortSignal): Promise<number> {
  const apiKey = await resolveKey(args, store);
  const installation = await installationFor(args, store, apiKey, signal);
  await store.write(apiKeyAccount(args.server), apiKey);
  process.stderr.write(
    `countersign-session: the API key for ${new URL(args.server).origin} is kept in ${store.where}` +
      `${installation ? `, with this machine's installation ${installation.id}` : ''}; ` +
      `run countersign-session --server ${args.server} without a key to use it\n`,
  );
  return ExitCode.ACCEPTED;
}

async function main(): Promise<number> {
  const stderr = process.stderr;
  let args: ReturnType<typeof parseSessionArgs>;
  try {
    args = parseSessionArgs(process.argv.slice(2), process.env);
    if (args === 'help') {
      process.stdout.write(HELP);
      return ExitCode.ACCEPTED;
    }
  } catch (error) {
    stderr.write(`countersign-session: ${explain(error)}\n`);
    return ExitCode.ERROR;
  }
  for (const warning of args.warnings) stderr.write(`countersign-session: ${warning}\n`);

  const controller = new AbortController();
  const interrupt = () => controller.abort(new Error('interrupted'));
  process.once('SIGINT', interrupt);
  process.once('SIGTERM', interrupt);
  const display = new ProgressDisplay(stderr, { tty: stderr.isTTY === true, showCode: args.showCode });

  try {
    const store =
      args.installation === false ? null : await openIdentityStore({ file: args.installation.file ?? undefined });
    if (args.command === 'login') return await login(args, store!, controller.signal);
    const apiKey = await resolveKey(args, store);
    const totp = args.totp === 'prompt' ? await promptTotp(process.stdin, stderr) : args.totp;
    const installation = await installationFor(args, store, apiKey, controller.signal);
    const reRegister = async () => {
      await forgetInstallation({ server: args.server, apiKey, store: store! });
      return installationFor(args, store, apiKey, controller.signal);
    };
    const result = await openSigned(
      {
        server: args.server,
        apiKey,
        description: args.description,
        timeoutSeconds: args.timeoutSeconds,
        totp,
        insecureHttp: args.insecureHttp,
        userAgent: USER_AGENT,
        signal: controller.signal,
        onProgress: (progress) => display.update(progress),
        installation,
      },
      reRegister,
    );
    display.finish();
    switch (result.status) {
      case 'ACCEPTED':
        stderr.write(
          result.uuid
            ? `approved: session ${result.sessionId} opened\n`
            : totp !== undefined
              ? `session ${result.sessionId} opened with the code\n`
              : `session ${result.sessionId} opened (this key needs no approval from this IP)\n`,
        );
        process.stdout.write(`${result.token}\n`);
        return ExitCode.ACCEPTED;
      case 'REJECTED':
        stderr.write('blocked: the key owner refused this session\n');
        return ExitCode.REJECTED;
      case 'EXPIRED':
        stderr.write(
          result.reason === 'timeout'
            ? `gave up after --timeout ${args.timeoutSeconds} s; the request stays pending on the server until it expires\n`
            : 'expired: nobody approved the request in time\n',
        );
        return ExitCode.EXPIRED;
    }
  } catch (error) {
    display.finish();
    if (controller.signal.aborted) {
      stderr.write('countersign-session: interrupted; the request stays pending on the server until it expires\n');
      return ExitCode.INTERRUPTED;
    }
    stderr.write(`countersign-session: ${explain(error, args.totp !== undefined)}\n`);
    return ExitCode.ERROR;
  } finally {
    process.off('SIGINT', interrupt);
    process.off('SIGTERM', interrupt);
  }
}

process.exitCode = await main();
