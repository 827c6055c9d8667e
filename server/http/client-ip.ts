// The requester's address as the server records and matches it: the socket peer, or with --trust-proxy the
// client that X-Forwarded-For names (Fastify's trustProxy does the picking).
import type { FastifyRequest } from 'fastify';
import { normalizeIp } from '../ip.js';

export function clientIp(request: FastifyRequest): string {
  return normalizeIp(request.ip);
}
