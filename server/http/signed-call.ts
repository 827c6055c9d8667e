// What a signature covers, taken from a request: its headers, method, path with query as sent, and raw body.
import type { FastifyRequest } from 'fastify';
import type { SignedCall } from '../services/devices.js';

export function signedCall(request: FastifyRequest): SignedCall {
  return {
    headers: request.headers,
    method: request.method,
    pathWithQuery: request.raw.url ?? request.url,
    body: request.rawBody,
  };
}
