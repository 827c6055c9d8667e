// countersign-gateway: parses the flags and the config file, opens the upstream secrets, starts the gateway, prints
// one line saying where it listens and what it forwards, and shuts down cleanly on SIGINT/SIGTERM. `seal` turns a
// secret on standard input into a sealed value for the config file.
import { readFileSync } from 'node:fs';
import { parseGatewayArgs, HELP, UsageError, type GatewayCommand } from './cli-args.js';
import { ConfigError } from './config-file.js';
import { startGateway } from './index.js';
import { resolveSettings } from './settings.js';
import { loadOrCreateSealKeyFile, sealUpstreamSecret } from './upstream-secret.js';

const say = (line: string) => process.stderr.write(`countersign-gateway: ${line}\n`);

function explainListen(error: unknown, listen: string): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'EADDRINUSE') return `${listen} is already in use; pick another with --listen.`;
  if (code === 'EACCES') return `not allowed to listen on ${listen}; pick a port above 1023.`;
  if (code === 'EADDRNOTAVAIL') return `${listen} is not an address of this machine; check --listen.`;
  return error instanceof Error ? error.message : String(error);
}

function seal(command: Extract<GatewayCommand, { kind: 'seal' }>): number {
  const secret = readFileSync(0, 'utf8').replace(/\r?\n$/, '');
  const { key, created } = loadOrCreateSealKeyFile(command.sealKeyFile);
  if (created) say(`made the seal key ${command.sealKeyFile} (mode 0600); keep it apart from the config file`);
  process.stdout.write(`${sealUpstreamSecret(key, command.name, secret)}\n`);
  return 0;
}

async function main(): Promise<number> {
  let command: GatewayCommand;
  try {
    command = parseGatewayArgs(process.argv.slice(2));
    if (command === 'help') {
      process.stdout.write(HELP);
      return 0;
    }
    if (command.kind === 'seal') return seal(command);
  } catch (error) {
    const hint = error instanceof UsageError ? '\nRun countersign-gateway --help for usage.' : '';
    say(`${(error as Error).message}${hint}`);
    return 1;
  }
  let settings: ReturnType<typeof resolveSettings>;
  try {
    settings = resolveSettings(command.file, command.configPath, command.overrides, process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    say(error.message);
    return 1;
  }
  let stopRequested: (signal: NodeJS.Signals) => void = () => {};
  const stopped = new Promise<NodeJS.Signals>((resolve) => {
    stopRequested = resolve;
  });
  process.on('SIGINT', stopRequested);
  process.on('SIGTERM', stopRequested);

  let gateway: Awaited<ReturnType<typeof startGateway>>;
  try {
    gateway = await startGateway(settings, { level: command.logLevel });
  } catch (error) {
    say(explainListen(error, `${settings.host}:${settings.port}`));
    return 1;
  }
  const routes = settings.upstreams.map(
    (u) => `${u.prefix} → ${u.url.origin}${u.url.pathname.replace(/\/$/, '')} (${u.name})`,
  );
  process.stdout.write(
    `countersign-gateway listening on ${gateway.url}; sessions checked with ${settings.server}; ${routes.join(', ')}\n`,
  );
  const signal = await stopped;
  say(`${signal}, shutting down`);
  await gateway.close();
  return 0;
}

process.exitCode = await main();
