// countersign-session: opens a session with an API key, waits for the owner's approval when the key asks for it,
// and prints only the session token on stdout. Exit codes: 0 accepted, 2 rejected, 3 expired or --timeout,
// 1 error, 130 interrupted.
import { HELP, parseSessionArgs, promptTotp, readKeyFromStdin, UsageError } from './cli-args.js';
import { CountersignError } from './errors.js';
import { openSession } from './open-session.js';
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
    const apiKey = typeof args.apiKey === 'string' ? args.apiKey : await readKeyFromStdin(process.stdin);
    const totp = args.totp === 'prompt' ? await promptTotp(process.stdin, stderr) : args.totp;
    const result = await openSession({
      server: args.server,
      apiKey,
      description: args.description,
      timeoutSeconds: args.timeoutSeconds,
      totp,
      insecureHttp: args.insecureHttp,
      userAgent: USER_AGENT,
      signal: controller.signal,
      onProgress: (progress) => display.update(progress),
    });
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
