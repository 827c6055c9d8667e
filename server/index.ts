// Starts an approval server: opens the SQLite store, builds the app and listens. Used by the command line and by
// tests (port 0 for a free port).
import { readFileSync } from 'node:fs';
import type { FastifyServerOptions } from 'fastify';
import { buildApp } from './app.js';
import { defaultConfig, type ServerConfig } from './config.js';
import { InProcessHub } from './push/hub.js';
import { openSqliteStore } from './store/sqlite/open.js';
import { loadOrCreateTotpKeyFile, totpKeyFileFor } from './totp-seal.js';

export interface StartServerOptions {
  dbPath: string;
  /** Default 8787; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  tls?: { certFile: string; keyFile: string };
  config?: Partial<ServerConfig>;
  logger?: FastifyServerOptions['logger'];
}

export interface RunningServer {
  url: string;
  port: number;
  host: string;
  dbPath: string;
  /** Where the key sealing TOTP secrets came from, for the startup line. */
  totpKeySource: string;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 8787;
export const DEFAULT_HOST = '127.0.0.1';

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const config: ServerConfig = { ...defaultConfig, ...options.config };
  let totpKeySource = 'TOTP secrets sealed with the configured --totp-key';
  if (!config.totpKey) {
    const file = totpKeyFileFor(options.dbPath);
    const { key, created } = loadOrCreateTotpKeyFile(file);
    config.totpKey = key;
    totpKeySource = `TOTP secrets sealed with the key in ${file}${created ? ', made now (mode 0600)' : ''}`;
  }
  const https = options.tls
    ? { cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) }
    : undefined;
  const store = openSqliteStore(options.dbPath);
  const host = options.host ?? DEFAULT_HOST;
  const { app } = await buildApp({
    config,
    store,
    hub: new InProcessHub(),
    fastify: { logger: options.logger, https },
  }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  try {
    await app.listen({ port: options.port ?? DEFAULT_PORT, host });
  } catch (error) {
    await app.close();
    await store.close();
    throw error;
  }
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : (options.port ?? DEFAULT_PORT);
  const urlHost = host.includes(':') ? `[${host}]` : host;
  let closing: Promise<void> | null = null;
  return {
    url: `${https ? 'https' : 'http'}://${urlHost}:${port}`,
    port,
    host,
    dbPath: options.dbPath,
    totpKeySource,
    close: () => {
      closing ??= (async () => {
        await app.close();
        await store.close();
      })();
      return closing;
    },
  };
}
