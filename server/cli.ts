// countersign-server: parses the flags, starts the server, prints one line saying where it listens and which
// database it uses, and shuts down cleanly on SIGINT/SIGTERM.
import { HELP, parseServerArgs, UsageError } from './cli-args.js';
import { startServer } from './index.js';

function explain(error: unknown, port: number | undefined, host: string | undefined): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return `port ${port} on ${host} is already in use; pick another with --port.`;
  if (code === 'EACCES') return `not allowed to listen on port ${port} on ${host}; pick a port above 1023.`;
  if (code === 'EADDRNOTAVAIL') return `${host} is not an address of this machine; check --host.`;
  if (code === 'ENOENT') return `file not found: ${(error as NodeJS.ErrnoException).path ?? (error as Error).message}`;
  if (code === 'ECONNREFUSED' || code === 'ENOTFOUND' || code === 'ETIMEDOUT' || code === 'EHOSTUNREACH') {
    return `cannot reach the PostgreSQL server of --db (${(error as Error).message}); is it running, and are host and port right?`;
  }
  return error instanceof Error ? error.message : String(error);
}

async function main(): Promise<number> {
  let options: ReturnType<typeof parseServerArgs>;
  try {
    options = parseServerArgs(process.argv.slice(2), process.env, (warning) =>
      process.stderr.write(`countersign-server: ${warning}\n`),
    );
  } catch (error) {
    const hint = error instanceof UsageError ? '\nRun countersign-server --help for usage.' : '';
    process.stderr.write(`countersign-server: ${(error as Error).message}${hint}\n`);
    return 1;
  }
  if (options === 'help') {
    process.stdout.write(HELP);
    return 0;
  }
  // Listen for signals before anything else: a signal sent the moment the startup line appears must already find
  // a listener (installed just before printing it, a process was seen to die of such a signal), and the listeners
  // stay installed for the whole shutdown.
  let stopRequested: (signal: NodeJS.Signals) => void = () => {};
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    stopRequested = resolve;
  });
  process.on('SIGINT', stopRequested);
  process.on('SIGTERM', stopRequested);

  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({ ...options, logger: { level: 'warn' } });
  } catch (error) {
    process.stderr.write(`countersign-server: ${explain(error, options.port, options.host)}\n`);
    return 1;
  }
  process.stdout.write(
    `countersign-server listening on ${server.url} (database ${server.db}); ${server.totpKeySource}; ${server.geoipStatus}\n`,
  );
  const signal = await stopped;
  process.stderr.write(`countersign-server: ${signal}, shutting down\n`);
  await server.close();
  return 0;
}

process.exitCode = await main();
