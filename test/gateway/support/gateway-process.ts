// countersign-gateway as operators run it: node bin/countersign-gateway.mjs, a real process, its output kept so a
// test can scan every byte it logged.
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type ChildOutput, collectOutput } from '../../support/child-output.js';

const ROOT = resolve(fileURLToPath(new URL('../../..', import.meta.url)));
export const GATEWAY_BIN = join(ROOT, 'bin', 'countersign-gateway.mjs');

export interface GatewayProcess {
  url: string;
  output: ChildOutput;
  stop(): Promise<void>;
}

export interface GatewayRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the gateway to completion (for usage and config errors, or `seal`). */
export function runGateway(
  args: string[],
  options: { env?: NodeJS.ProcessEnv; input?: string } = {},
): Promise<GatewayRun> {
  const child = spawn(process.execPath, [GATEWAY_BIN, ...args], {
    cwd: ROOT,
    env: { ...process.env, ...options.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const output = collectOutput(child);
  child.stdin.end(options.input ?? '');
  return new Promise((done) => child.once('exit', (code) => done({ code, ...output })));
}

/** Starts the gateway (--listen 127.0.0.1:0 unless given) and resolves once its startup line names its URL. */
export function startGatewayProcess(args: string[], env: NodeJS.ProcessEnv = {}): Promise<GatewayProcess> {
  const withListen = args.includes('--listen') ? args : [...args, '--listen', '127.0.0.1:0'];
  const child = spawn(process.execPath, [GATEWAY_BIN, ...withListen], {
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = collectOutput(child);
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return new Promise((resolvePromise, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`countersign-gateway did not start within 20 s: ${output.stderr}`));
    }, 20_000);
    child.stdout.on('data', () => {
      const match = /countersign-gateway listening on (http:\/\/\S+?);/.exec(output.stdout);
      if (!match) return;
      clearTimeout(timer);
      resolvePromise({
        url: match[1]!,
        output,
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`countersign-gateway exited (${code ?? signal}) before listening: ${output.stderr}`));
    });
  });
}
