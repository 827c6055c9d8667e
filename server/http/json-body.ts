// The only body type the API takes. The raw bytes are kept because device signatures cover their SHA-256.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { ApiError } from './api-error.js';

declare module 'fastify' {
  interface FastifyRequest {
    rawBody?: Buffer;
  }
}

export function acceptJsonBodiesOnly(app: FastifyInstance): void {
  // Fastify's text/plain parser would let a text body through to the routes; without it, anything but JSON is 415.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (request: FastifyRequest, body, done) => {
    const raw = body as Buffer;
    request.rawBody = raw;
    if (raw.length === 0) {
      done(null, undefined);
      return;
    }
    try {
      // Keys that could reach an object's prototype are refused outright (prototype poisoning).
      done(
        null,
        JSON.parse(raw.toString('utf8'), (key, value) => {
          if (key === '__proto__' || key === 'constructor') throw new SyntaxError(`the key "${key}" is not allowed`);
          return value;
        }),
      );
    } catch (error) {
      done(new ApiError(400, `The body is not valid JSON: ${(error as Error).message}`), undefined);
    }
  });
}
