// Every error leaves as bunq's Error envelope with a 4xx that fits. Fastify's own errors (body too large, bad
// content type, malformed JSON, bad URL) are mapped here too, so bad input never produces a 5xx; a 500 means a
// bug and is logged.
import type { FastifyError, FastifyInstance } from 'fastify';
import { ErrorText, errorEnvelope, Header } from '../../protocol/index.js';
import { Refusal, type RefusalKind } from '../domain/refusal.js';
import { ApiError } from './api-error.js';

/** The one place a domain refusal becomes an HTTP status. */
export const REFUSAL_STATUS: Record<RefusalKind, number> = {
  invalid: 400,
  unauthenticated: 401,
  forbidden: 403,
  'not-found': 404,
  conflict: 409,
  expired: 410,
  'too-many': 429,
};

const FASTIFY_ERRORS: Record<string, { status: number; text: (error: FastifyError) => string }> = {
  FST_ERR_CTP_BODY_TOO_LARGE: { status: 413, text: () => ErrorText.BODY_TOO_LARGE },
  FST_ERR_CTP_INVALID_MEDIA_TYPE: {
    status: 415,
    text: () => 'The body must be JSON, sent with Content-Type: application/json.',
  },
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: {
    status: 400,
    text: () => 'Content-Length does not match the body.',
  },
  FST_ERR_CTP_EMPTY_JSON_BODY: { status: 400, text: () => 'body: expected a JSON object, got an empty body' },
  FST_ERR_BAD_URL: { status: 400, text: () => 'The URL is malformed.' },
};

/** Echoes the caller's request id on every reply, errors included, so both sides can match their logs. */
export function echoRequestId(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    const id = request.headers[Header.CLIENT_REQUEST_ID];
    if (typeof id === 'string' && id.length <= 200) reply.header(Header.CLIENT_REQUEST_ID, id);
  });
}

export function installErrorHandling(app: FastifyInstance): void {
  app.setNotFoundHandler(async (_request, reply) => reply.code(404).send(errorEnvelope(ErrorText.NOT_FOUND)));

  app.setErrorHandler(async (error: FastifyError, request, reply) => {
    if (error instanceof Refusal) {
      const retryAfter = error.retryAfterSeconds;
      return reply
        .code(REFUSAL_STATUS[error.kind])
        .headers(retryAfter === undefined ? {} : { 'retry-after': String(retryAfter) })
        .send(errorEnvelope(error.message));
    }
    if (error instanceof ApiError) {
      return reply.code(error.status).headers(error.headers).send(errorEnvelope(error.message));
    }
    const known = error.code ? FASTIFY_ERRORS[error.code] : undefined;
    if (known) return reply.code(known.status).send(errorEnvelope(known.text(error)));
    const status = error.statusCode;
    if (status !== undefined && status >= 400 && status < 500) {
      return reply.code(status).send(errorEnvelope(error.message));
    }
    request.log.error({ err: error }, 'unexpected error');
    return reply.code(500).send(errorEnvelope('Internal server error.'));
  });
}
