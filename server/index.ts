// Starts an approval server: opens the store (a SQLite file, or PostgreSQL when db is a postgres:// URL), builds the
// app and listens. Used by the command line and by tests (port 0 for a free port).
import { readFileSync } from 'node:fs';
import type { FastifyServerOptions } from 'fastify';
import { buildApp } from './app.js';
import { defaultConfig, type ServerConfig } from './config.js';
import { withoutWebhookEvents } from './store/without-webhook-events.js';
import { AddressObserver, type GeoIpPaths, installedGeoIpPaths } from './geoip/observer.js';
import type { HubStats, PushHub } from './push/hub.js';
import { type HubLog, startPostgresHub } from './push/postgres-hub.js';
import { SqliteHub } from './push/sqlite-hub.js';
import { describeDb, isPostgresUrl, openStore } from './store/open.js';
import { loadOrCreateTotpKeyFile, totpKeyFileFor } from './totp-seal.js';

export interface StartServerOptions {
  /** A SQLite database file, or a postgres:// URL (several instances may share that database). */
  db: string;
  /** Default 8787; 0 picks a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  tls?: { certFile: string; keyFile: string };
  config?: Partial<ServerConfig>;
  logger?: FastifyServerOptions['logger'];
  /**
   * The GeoIP/ASN databases (folders laid out as their npm packages; null: that one off), or 'off' for none.
   * Default: the installed packages. Ignored when config.observer is given.
   */
  geoip?: Partial<GeoIpPaths> | 'off';
  /** Tests: check every success reply against its route's schema (see RouterOptions); off by default. */
  validateReplies?: boolean;
}

export interface RunningServer {
  url: string;
  port: number;
  host: string;
  /** The database as it may be logged: the file path, or the URL without its password. */
  db: string;
  /** Where the key sealing TOTP secrets came from, for the startup line. */
  totpKeySource: string;
  /** What the GeoIP/ASN lookups use, or why they cannot, for the startup line. */
  geoipStatus: string;
  /** The streams and waiters this instance holds (diagnostics, tests). */
  hubStats(): HubStats;
  close(): Promise<void>;
}

export const DEFAULT_PORT = 8787;
export const DEFAULT_HOST = '127.0.0.1';

export async function startServer(options: StartServerOptions): Promise<RunningServer> {
  const config: ServerConfig = { ...defaultConfig, ...options.config };
  let totpKeySource = 'TOTP secrets sealed with the configured TOTP key';
  if (!config.totpKey && isPostgresUrl(options.db)) {
    // A key file beside the database cannot exist for a database on another machine, and every instance must
    // seal and unseal with the same key.
    throw new Error(
      'With PostgreSQL, give the TOTP sealing key with --totp-key-file or COUNTERSIGN_TOTP_KEY (the same on every ' +
        'instance; make one with: openssl rand -base64 32).',
    );
  }
  if (!config.totpKey) {
    const file = totpKeyFileFor(options.db);
    const { key, created } = loadOrCreateTotpKeyFile(file);
    config.totpKey = key;
    totpKeySource = `TOTP secrets sealed with the key in ${file}${created ? ', made now (mode 0600)' : ''}`;
  }
  if (!options.config?.observer) {
    const installed = installedGeoIpPaths();
    const paths = options.geoip ?? {};
    config.observer =
      paths === 'off'
        ? AddressObserver.off()
        : AddressObserver.open({
            city: paths.city === undefined ? installed.city : paths.city,
            asn: paths.asn === undefined ? installed.asn : paths.asn,
          });
  }
  const https = options.tls
    ? { cert: readFileSync(options.tls.certFile), key: readFileSync(options.tls.keyFile) }
    : undefined;
  // The app's logger exists only once the app is built; a checkpoint that fails before then is not lost silently.
  let appLog: HubLog | null = null;
  const opened = await openStore(options.db, {
    backgroundCheckpoints: {
      onError: (message) => (appLog ? appLog.error({}, message) : process.stderr.write(`${message}\n`)),
    },
  });
  // No receiver, no events: they would be written with every change and pruned unread. (countersign-admin, another
  // process, still records its own; a server started later with receivers finds them.)
  const store = config.webhooks ? opened : withoutWebhookEvents(opened);
  // The hub logs through the app's logger too (and the app needs the hub).
  const hubLog: HubLog = {
    warn: (obj, msg) => appLog?.warn(obj, msg),
    error: (obj, msg) => appLog?.error(obj, msg),
  };
  let hub: PushHub & { close?(): Promise<void> };
  try {
    hub =
      store.kind === 'postgres'
        ? await startPostgresHub({ connectionString: options.db, store, log: hubLog })
        : await SqliteHub.start(store, hubLog);
  } catch (error) {
    await store.close();
    throw error;
  }
  const closeStorage = async () => {
    await hub.close?.();
    await store.close();
  };
  const host = options.host ?? DEFAULT_HOST;
  const { app } = await buildApp({
    config,
    store,
    hub,
    fastify: { logger: options.logger, https },
    listenHost: host,
    validateReplies: options.validateReplies ?? false,
  }).catch(async (error: unknown) => {
    await closeStorage();
    throw error;
  });
  appLog = app.log;
  try {
    await app.listen({ port: options.port ?? DEFAULT_PORT, host });
  } catch (error) {
    await app.close();
    await closeStorage();
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
    db: describeDb(options.db),
    totpKeySource,
    geoipStatus: config.observer.status,
    hubStats: () => hub.stats(),
    close: () => {
      closing ??= (async () => {
        await app.close();
        await closeStorage();
      })();
      return closing;
    },
  };
}
