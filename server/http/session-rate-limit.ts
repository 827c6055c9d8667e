// Per-IP limit on POST /v1/session-server, checked when the request arrives (before its body is read or parsed),
// so that a flood costs the server as little as possible whatever it sends. The counting is rate-limiter.ts's.
import type { FastifyInstance } from 'fastify';
import { rateLimited, type RateLimiter } from '../limits/rate-limiter.js';
import { clientIp } from './client-ip.js';

const LIMITED_ROUTE = '/v1/session-server';

export function limitSessionAttempts(app: FastifyInstance, limiter: RateLimiter): void {
  app.addHook('onRequest', async (request) => {
    if (request.method !== 'POST' || request.routeOptions.url !== LIMITED_ROUTE) return;
    const retryAfter = await limiter.take(clientIp(request));
    if (retryAfter !== null) throw rateLimited(retryAfter);
  });
}
