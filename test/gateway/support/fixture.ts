// One scene for the gateway tests: a real approval server (with a paired device), Debian's nginx as the upstream,
// and countersign-gateway as a real process configured from a JSON file, with its history file and all it printed
// kept for the byte scans.
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type HttpReply, http, tempDir } from '../../support/server.js';
import { type GatewayProcess, runGateway, startGatewayProcess } from './gateway-process.js';
import type { Nginx } from './nginx.js';

export const SESSION_HEADER = 'x-bunq-client-authentication';

/** A secret that is easy to find in any byte scan and safe inside nginx.conf. */
export function newUpstreamSecret(): string {
  return `upstream-secret-${randomBytes(16).toString('hex')}`;
}

export interface GatewayScene {
  gateway: GatewayProcess;
  dir: string;
  historyFile: string;
  /** Every reply the gateway gave through call(), for the byte scan. */
  replies: HttpReply[];
  call(path: string, token?: string, options?: { method?: string; body?: string }): Promise<HttpReply>;
  history(): Promise<Record<string, unknown>[]>;
  close(): Promise<void>;
}

export async function sealWithCli(sealKeyFile: string, name: string, secret: string): Promise<string> {
  const run = await runGateway(['seal', '--seal-key-file', sealKeyFile, '--name', name], { input: `${secret}\n` });
  if (run.code !== 0) throw new Error(`seal failed: ${run.stderr}`);
  return run.stdout.trim();
}

/** Writes the config (upstreams given by the caller) and starts the gateway on it. */
export async function startScene(options: {
  serverUrl: string;
  introspectionSecret: string;
  upstreams: unknown[];
  sealKeyFile?: string;
  maxBodyBytes?: number;
  dir?: string;
}): Promise<GatewayScene> {
  const own = options.dir ? null : await tempDir('countersign-gateway-');
  const dir = options.dir ?? own!.path;
  const historyFile = join(dir, 'history.jsonl');
  await writeFile(join(dir, 'introspection.secret'), `${options.introspectionSecret}\n`, { mode: 0o600 });
  const config = {
    server: options.serverUrl,
    introspection_secret_file: 'introspection.secret',
    history_file: 'history.jsonl',
    ...(options.sealKeyFile ? { seal_key_file: options.sealKeyFile } : {}),
    ...(options.maxBodyBytes !== undefined ? { max_body_bytes: options.maxBodyBytes } : {}),
    upstreams: options.upstreams,
  };
  const configFile = join(dir, 'gateway.json');
  await writeFile(configFile, JSON.stringify(config, null, 2));
  const gateway = await startGatewayProcess(['--config', configFile, '--log-level', 'info']);
  const replies: HttpReply[] = [];
  return {
    gateway,
    dir,
    historyFile,
    replies,
    call: async (path, token, callOptions = {}) => {
      const reply = await http(`${gateway.url}${path}`, {
        method: callOptions.method ?? 'GET',
        headers: token === undefined ? {} : { [SESSION_HEADER]: token },
        ...(callOptions.body !== undefined ? { body: callOptions.body } : {}),
      });
      replies.push(reply);
      return reply;
    },
    history: async () =>
      (await readFile(historyFile, 'utf8').catch(() => ''))
        .split('\n')
        .filter(Boolean)
        .map((line) => JSON.parse(line) as Record<string, unknown>),
    close: async () => {
      await gateway.stop();
      await own?.remove();
    },
  };
}

/** How many times nginx was called since `before` lines. */
export async function upstreamCallsSince(nginx: Nginx, before: number): Promise<string[]> {
  return (await nginx.accessLog()).slice(before);
}
