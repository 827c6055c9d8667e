// Per-IP limit on POST /v1/session-server, checked when the request arrives (before its body is read or parsed),
// so that a flood costs the server as little as possible whatever it sends. The counting is rate-limiter.ts's.
import type { FastifyInstance } from 'fastify';
import { rateLimited, type RateLimiter } from '../limits/rate-limiter.js';
import { clientIp } from './client-ip.js';

// Registering an installation counts as an attempt too: it checks an API key as a session attempt does.
const LIMITED_ROUTES = new Set(['/v1/session-server', '/v1/installation']);

export function limitSessionAttempts(app: FastifyInstance, limiter: RateLimiter): void {
  app.addHook('onRequest', async (request) => {
    if (request.method !== 'POST' || !LIMITED_ROUTES.has(request.routeOptions.url ?? '')) return;
    const retryAfter = await limiter.take(clientIp(request));
    if (retryAfter !== null) throw rateLimited(retryAfter);
  });
}
