// Builds the Fastify app of the approval server from a config, a store and a push hub: JSON-only bodies with the
// protocol's size limit, bunq envelopes for every error, the routes of protocol v1 and the background sweeper.
import websocket from '@fastify/websocket';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { Limits, StreamCloseCode } from '../protocol/index.js';
import type { ServerConfig } from './config.js';
import { echoRequestId, installErrorHandling } from './http/error-handler.js';
import { identifyClients } from './http/client-ip.js';
import { acceptJsonBodiesOnly } from './http/json-body.js';
import { refuseForeignHosts } from './http/loopback-host.js';
import { Router } from './http/router.js';
import { limitSessionAttempts } from './http/session-rate-limit.js';
import { requireHost, transportErrorOptions } from './http/transport-errors.js';
import type { PushHub } from './push/hub.js';
import { approverDeviceRoutes } from './routes/approver-device.js';
import { credentialRoutes } from './routes/credential-password-ip.js';
import { deviceEventRoutes } from './routes/device-event.js';
import { grantRoutes } from './routes/grant.js';
import { historyRoutes } from './routes/history.js';
import { installationRoutes } from './routes/installation.js';
import { openApiRoute } from './routes/openapi.js';
import { operatorRoutes } from './routes/operator.js';
import { permittedIpRoutes } from './routes/permitted-ip.js';
import { sessionServerRequestRoutes } from './routes/session-server-request.js';
import { sessionServerRoutes } from './routes/session-server.js';
import { streamRoutes } from './routes/stream.js';
import { createServices, type Services } from './services/index.js';
import type { Store } from './store/types.js';
import { startSweeper } from './sweeper.js';
import { startWebhookWorker } from './webhooks/worker.js';

export interface AppOptions {
  config: ServerConfig;
  store: Store;
  hub: PushHub;
  /** Fastify's own options that depend on how it is run: logger, https. */
  fastify?: Pick<FastifyServerOptions, 'logger'> & { https?: { cert: Buffer; key: Buffer } };
  /** The address the server listens on: on a loopback one, requests for any other Host are refused. */
  listenHost?: string;
  /** Tests: check every success reply against its route's schema (a reply that does not fit is a 500). */
  validateReplies?: boolean;
}

export async function buildApp(options: AppOptions): Promise<{ app: FastifyInstance; services: Services }> {
  const { config, store, hub } = options;
  const app = Fastify({
    logger: options.fastify?.logger ?? false,
    bodyLimit: Limits.MAX_BODY_BYTES,
    ...transportErrorOptions,
    ...(options.fastify?.https ? { https: { ...options.fastify.https, ...transportErrorOptions.http } } : {}),
  }) as unknown as FastifyInstance;
  const services = createServices({ store, hub, config });

  // Shutting down: long-polls answer at once with the current status, push streams close with 1001 (reconnect).
  const shutdown = new AbortController();
  app.addHook('preClose', async () => {
    shutdown.abort();
    hub.disconnectAll(StreamCloseCode.SERVER_GOING_AWAY, 'The server is shutting down.');
  });
  // No client tracking in ws: the hub already knows every open stream and closes them all on shutdown (the hook
  // above), and ws's own list would cost each stream a Set entry and a 'close' listener closure of its own.
  await app.register(websocket, { options: { maxPayload: 64 * 1024, clientTracking: false } });

  echoRequestId(app);
  installErrorHandling(app);
  requireHost(app);
  if (options.listenHost !== undefined) refuseForeignHosts(app, options.listenHost);
  // Who the client is (--trust-proxy), before anything that counts or records it.
  identifyClients(app, config.trustProxy);
  acceptJsonBodiesOnly(app);
  limitSessionAttempts(app, services.limits.sessions);

  const router = new Router(app, services.devices, services.limits.deviceAuth, {
    validateReplies: options.validateReplies ?? false,
  });
  sessionServerRoutes(router, services, shutdown.signal);
  sessionServerRequestRoutes(router, services, shutdown.signal);
  approverDeviceRoutes(router, services);
  streamRoutes(router, { services, hub, config });
  credentialRoutes(router, services);
  permittedIpRoutes(router, services);
  installationRoutes(router, services);
  grantRoutes(router, services, config.now);
  historyRoutes(router, services);
  deviceEventRoutes(router, services);
  operatorRoutes(router, services, config.operatorTokenHash);
  openApiRoute(router);

  const stopSweeper = startSweeper(
    services,
    { sweepMs: config.sweepIntervalMs, pruneMs: config.pruneIntervalMs },
    (error) => app.log.error({ err: error }, 'sweep failed'),
  );
  app.addHook('onClose', async () => stopSweeper());
  // Webhooks go out from a background worker, never on a request's path: a slow receiver slows nobody.
  if (config.webhooks) {
    const worker = startWebhookWorker(store, config.webhooks, config.now, (error) =>
      app.log.error({ err: error }, 'webhook delivery failed'),
    );
    app.addHook('onClose', async () => worker.stop());
  }
  return { app, services };
}
