// Errors that happen before a request reaches Fastify's hooks and routes: bytes that are not HTTP (Node's parser:
// a broken Content-Length, Transfer-Encoding and Content-Length together, bad chunking), a header block over Node's
// size limit, a URL whose percent-encoding is broken, an HTTP/1.1 request without Host. Node and Fastify answer
// those in shapes of their own (an empty body, Fastify's {"error","message","statusCode"}); here they get bunq's
// Error envelope like every other error, so a client can always read why it was refused.
import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyServerOptions } from 'fastify';
import { errorEnvelope } from '../../protocol/index.js';
import { ApiError } from './api-error.js';

function clientErrorReply(code: string | undefined): { status: number; text: string } {
  if (code === 'HPE_HEADER_OVERFLOW') return { status: 431, text: 'The request headers are too large.' };
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return { status: 408, text: 'The request did not arrive in time.' };
  return { status: 400, text: 'The request is not valid HTTP.' };
}

export const transportErrorOptions: Pick<FastifyServerOptions, 'frameworkErrors' | 'clientErrorHandler'> & {
  http: { requireHostHeader: false };
} = {
  frameworkErrors: (error, _request, reply) => {
    const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
    // Fastify types this reply for a route that has not been chosen yet; it is an ordinary reply.
    (reply as unknown as FastifyReply)
      .code(tooLong ? 414 : 400)
      .send(errorEnvelope(tooLong ? 'A path segment is too long.' : 'The URL is malformed.'));
  },
  clientErrorHandler: (error: NodeJS.ErrnoException, socket: Socket) => {
    // A reset connection has nobody left to answer.
    if (error.code === 'ECONNRESET' || socket.destroyed) return;
    const { status, text } = clientErrorReply(error.code);
    const body = JSON.stringify(errorEnvelope(text));
    if (socket.writable) {
      socket.write(
        `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json; charset=utf-8\r\n` +
          `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
      );
    }
    socket.destroy(error);
  },
  // Node would answer a missing Host with an empty 400 before Fastify sees the request; requireHost() does it instead.
  http: { requireHostHeader: false },
};

/** HTTP/1.1 requires Host (RFC 9112 §3.2); refused here, with the envelope, since Node no longer does it. */
export function requireHost(app: FastifyInstance): void {
  app.addHook('onRequest', async (request) => {
    if (request.raw.httpVersion === '1.1' && request.headers.host === undefined) {
      throw new ApiError(400, 'The Host header is missing (HTTP/1.1 requires it).');
    }
  });
}
