// The running gateway's settings: the config file (or the one-upstream flags) with the command line's overrides,
// every file read and every secret opened. Only this object reaches the proxy.
import { readFileSync } from 'node:fs';
import { dirname, isAbsolute, resolve } from 'node:path';
import { ConfigError } from './config-file.js';
import type { GatewayConfigFile, Inject, SessionLimits } from './config-schema.js';
import { loadSealKey, resolveUpstreamSecret } from './upstream-secret.js';

export const DEFAULT_LISTEN = '127.0.0.1:8790';
export const INTROSPECTION_SECRET_ENV = 'COUNTERSIGN_INTROSPECTION_SECRET';

export interface Upstream {
  name: string;
  prefix: string;
  url: URL;
  keys: ReadonlySet<number>;
  inject: Inject;
  /** In clear, in memory only: never logged, never in history or replies. */
  secret: string;
  limits: SessionLimits;
  timeoutMs: number;
}

export interface GatewaySettings {
  host: string;
  port: number;
  /** The approval server, asked about every session token. */
  server: string;
  introspectionSecret: string;
  historyFile: string | null;
  maxBodyBytes: number;
  /** Longest prefix first, so the most specific upstream matches. */
  upstreams: Upstream[];
}

/** What the command line sets over the file's values; file names relative to the working directory. */
export interface Overrides {
  listen?: string;
  server?: string;
  introspectionSecretFile?: string;
  sealKeyFile?: string;
  historyFile?: string;
}

export function splitListen(listen: string): { host: string; port: number } {
  const at = listen.lastIndexOf(':');
  const host = listen.slice(0, at).replace(/^\[(.*)\]$/, '$1');
  const port = Number(listen.slice(at + 1));
  if (!host || !Number.isInteger(port) || port < 0 || port > 65_535) {
    throw new ConfigError(`listen: "${listen}" is not HOST:PORT with a port from 0 to 65535`);
  }
  return { host, port };
}

export function resolveSettings(
  file: GatewayConfigFile,
  configPath: string | null,
  overrides: Overrides,
  env: NodeJS.ProcessEnv,
): GatewaySettings {
  const baseDir = configPath ? dirname(resolve(configPath)) : process.cwd();
  const fromFile = (name: string | undefined) =>
    name === undefined ? undefined : isAbsolute(name) ? name : resolve(baseDir, name);
  const fromCwd = (name: string | undefined) => (name === undefined ? undefined : resolve(name));

  const server = overrides.server ?? file.server;
  if (!server) throw new ConfigError('Give the approval server with --server URL or "server" in the config file.');
  if (!URL.canParse(server) || !/^https?:$/.test(new URL(server).protocol)) {
    throw new ConfigError(`--server: "${server}" is not an http:// or https:// URL`);
  }
  const secretFile = fromCwd(overrides.introspectionSecretFile) ?? fromFile(file.introspection_secret_file);
  let introspectionSecret = env[INTROSPECTION_SECRET_ENV];
  if (secretFile !== undefined) {
    try {
      introspectionSecret = readFileSync(secretFile, 'utf8').replace(/\r?\n$/, '');
    } catch (error) {
      throw new ConfigError(
        `introspection secret: cannot read ${secretFile} (${(error as NodeJS.ErrnoException).code ?? error})`,
      );
    }
  }
  if (!introspectionSecret) {
    throw new ConfigError(
      `Give the approval server's introspection secret in a file (--introspection-secret-file FILE or ` +
        `"introspection_secret_file") or in ${INTROSPECTION_SECRET_ENV}; never on the command line.`,
    );
  }
  const sealKey = loadSealKey(fromCwd(overrides.sealKeyFile) ?? fromFile(file.seal_key_file), env);
  const { host, port } = splitListen(overrides.listen ?? file.listen ?? DEFAULT_LISTEN);
  const upstreams = file.upstreams.map(
    (upstream): Upstream => ({
      name: upstream.name,
      prefix: upstream.prefix,
      url: new URL(upstream.url),
      keys: new Set(upstream.keys),
      inject: upstream.inject,
      secret: resolveUpstreamSecret(upstream.secret, upstream.name, baseDir, sealKey),
      limits: upstream.limits ?? {},
      timeoutMs: upstream.timeout_ms,
    }),
  );
  upstreams.sort((a, b) => b.prefix.length - a.prefix.length);
  return {
    host,
    port,
    server,
    introspectionSecret,
    historyFile: fromCwd(overrides.historyFile) ?? fromFile(file.history_file) ?? null,
    maxBodyBytes: file.max_body_bytes,
    upstreams,
  };
}
