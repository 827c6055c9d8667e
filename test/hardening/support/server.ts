// An in-process approval server whose whole ServerConfig a hardening test may set (rate limits, lifetimes, clock),
// with the admin commands working on the same database file through their own connection, as countersign-admin
// does beside a running server. Plus: restart on the same database and port.
import { AdminCommands } from '../../../server/admin/commands.js';
import type { ServerConfig } from '../../../server/config.js';
import { type RunningServer, startServer } from '../../../server/index.js';
import { createTestDb, TEST_INTROSPECTION_SECRET } from '../../support/server.js';

export interface HardeningServer {
  url: string;
  port: number;
  /** The database: a SQLite file, or in the hardening-postgres project a fresh PostgreSQL database's URL. */
  db: string;
  admin: AdminCommands;
  /** Every line the server logged at level error or above (an unexpected error is a bug). */
  errorLog: string[];
  /** Stops the server (cleanly) and starts it again on the same database file and port. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

export async function startHardeningServer(config: Partial<ServerConfig> = {}): Promise<HardeningServer> {
  const database = await createTestDb();
  const dbPath = database.db;
  const errorLog: string[] = [];
  const start = (port: number) =>
    startServer({
      db: dbPath,
      validateReplies: true,
      port,
      host: '127.0.0.1',
      config: {
        introspectionSecret: TEST_INTROSPECTION_SECRET,
        ...(database.totpKey ? { totpKey: database.totpKey } : {}),
        // Retention would delete spent pairing codes and ended sessions under the "changes nothing" snapshots.
        pruneIntervalMs: 3_600_000,
        ...config,
      },
      logger: { level: 'error', stream: { write: (line: string) => errorLog.push(line) } },
    });
  let server: RunningServer = await start(0);
  const admin = await AdminCommands.open(dbPath);
  return {
    url: server.url,
    port: server.port,
    db: dbPath,
    admin,
    errorLog,
    restart: async () => {
      await server.close();
      server = await start(server.port);
    },
    close: async () => {
      await admin.close();
      await server.close();
      await database.remove();
    },
  };
}
