// Starts a gateway from resolved settings: builds the app and listens. Used by the command line and by tests.
import type { FastifyServerOptions } from 'fastify';
import { buildGatewayApp } from './app.js';
import type { GatewaySettings } from './settings.js';

export interface RunningGateway {
  url: string;
  port: number;
  close(): Promise<void>;
}

export async function startGateway(
  settings: GatewaySettings,
  logger: FastifyServerOptions['logger'] = false,
): Promise<RunningGateway> {
  const { app } = await buildGatewayApp(settings, { logger });
  await app.listen({ host: settings.host, port: settings.port });
  const address = app.server.address();
  const port = typeof address === 'object' && address ? address.port : settings.port;
  const host = settings.host.includes(':') ? `[${settings.host}]` : settings.host;
  return { url: `http://${host}:${port}`, port, close: () => app.close() };
}
