// Per-IP limit on POST /v1/session-server, checked when the request arrives (before its body is read or parsed),
// so that a flood costs the server as little as possible whatever it sends.
import type { FastifyInstance } from 'fastify';
import { ErrorText } from '../../protocol/index.js';
import type { ServerConfig } from '../config.js';
import { ApiError } from './api-error.js';
import { clientIp } from './client-ip.js';
import { RequestRateLimiter } from './request-rate-limiter.js';

const LIMITED_ROUTE = '/v1/session-server';

export function limitSessionAttempts(app: FastifyInstance, config: ServerConfig): void {
  const limiter = new RequestRateLimiter(config.sessionRateLimit, config.sessionRateWindowMs, config.now);
  app.addHook('onRequest', async (request) => {
    if (request.method !== 'POST' || request.routeOptions.url !== LIMITED_ROUTE) return;
    const retryAfter = limiter.take(clientIp(request));
    if (retryAfter !== null) throw new ApiError(429, ErrorText.RATE_LIMITED, { 'retry-after': String(retryAfter) });
  });
}
