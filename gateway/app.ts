// The gateway's HTTP side: every request is matched to an upstream by path prefix, its session token checked with
// the approval server, the session's limits applied, and only then forwarded by @fastify/reply-from — the token
// header stripped, the upstream's secret injected, both bodies streamed (nothing is buffered), the reply passed back
// as the upstream sent it. Whatever the gateway answers itself is a bunq error envelope.
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import replyFrom from '@fastify/reply-from';
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyServerOptions } from 'fastify';
import { GatewayErrorText, upstreamTimeoutText, upstreamUnreachableText } from '../protocol/gateway.js';
import { errorEnvelope, Header } from '../protocol/index.js';
import { type History, openHistory } from './history.js';
import { queryWithout, type Route, routeFor, upstreamUrl } from './routing.js';
import { ApprovalServerUnreachable, type LiveSession, SessionChecker } from './session-check.js';
import { SessionLimiter } from './session-limits.js';
import type { GatewaySettings } from './settings.js';

/** Per request: what the history line and the forwarding need. */
interface Exchange {
  route: Route;
  session: LiveSession | null;
  outcome: 'forwarded' | 'refused' | 'upstream_error';
  started: number;
  bodyTooLarge: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    exchange: Exchange | null;
  }
}

/** Upstream connections: HTTP/1.1 keep-alive pools per origin, TLS certificates checked, connect bounded. */
const UPSTREAM_AGENT = {
  connections: 128,
  pipelining: 1,
  keepAliveTimeout: 4_000,
  // reply-from sets tls.rejectUnauthorized to false unless told otherwise, and undici takes connect over tls: the
  // certificate is checked, so an injected secret goes only to the real host.
  connect: { timeout: 10_000, rejectUnauthorized: true },
};

/** Node's error codes, in words for the 502 text. */
function reasonOf(error: unknown): string {
  let cause: unknown = error;
  for (let depth = 0; depth < 4 && cause && typeof cause === 'object'; depth++) {
    const code = (cause as NodeJS.ErrnoException).code;
    if (code === 'ECONNREFUSED') return 'connection refused';
    if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'host not found';
    if (code === 'UND_ERR_CONNECT_TIMEOUT' || code === 'ETIMEDOUT') return 'connecting timed out';
    if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET' || code === 'EPIPE') return 'the connection was closed';
    if (code === 'EHOSTUNREACH' || code === 'ENETUNREACH') return 'host unreachable';
    if (typeof code === 'string' && /CERT|SELF_SIGNED|TLS|SSL/.test(code))
      return `its TLS certificate is not trusted (${code})`;
    cause = (cause as { cause?: unknown }).cause;
  }
  return 'the request failed';
}

function refuse(reply: FastifyReply, status: number, text: string): FastifyReply {
  return reply.code(status).header('content-type', 'application/json; charset=utf-8').send(errorEnvelope(text));
}

/** True when the decoded path has a ".." segment (or cannot be decoded): such a path could leave the upstream's base. */
function unsafePath(path: string): boolean {
  let decoded: string;
  try {
    decoded = decodeURIComponent(path);
  } catch {
    return true;
  }
  return decoded.split(/[/\\]/).some((segment) => segment === '..');
}

export interface GatewayAppOptions {
  logger?: FastifyServerOptions['logger'];
}

export async function buildGatewayApp(
  settings: GatewaySettings,
  options: GatewayAppOptions = {},
): Promise<{ app: FastifyInstance; history: History }> {
  const app = Fastify({
    logger: options.logger ?? false,
    // Receiving one whole request from the script may take this long (a large upload); then the socket closes.
    requestTimeout: 300_000,
  }) as unknown as FastifyInstance;
  const checker = new SessionChecker(settings.server, settings.introspectionSecret);
  const limiter = new SessionLimiter();
  const history = openHistory(settings.historyFile);

  await app.register(replyFrom, { undici: UPSTREAM_AGENT, disableRequestLogging: true });

  app.decorateRequest('exchange', null);

  // Bodies are never parsed or buffered: whatever the content type, the request stream goes on to the upstream,
  // counted so that one larger than max_body_bytes is cut off.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (request, payload, done) => {
    const declared = Number(request.headers['content-length']);
    if (Number.isFinite(declared) && declared > settings.maxBodyBytes) {
      done(Object.assign(new Error(GatewayErrorText.BODY_TOO_LARGE), { statusCode: 413 }), undefined);
      return;
    }
    let seen = 0;
    const counted = new Transform({
      transform(chunk: Buffer, _encoding, callback) {
        seen += chunk.length;
        if (seen > settings.maxBodyBytes) {
          if (request.exchange) request.exchange.bodyTooLarge = true;
          callback(new Error(GatewayErrorText.BODY_TOO_LARGE));
          return;
        }
        callback(null, chunk);
      },
    });
    pipeline(payload, counted).catch(() => {});
    done(null, counted);
  });

  app.addHook('onRequest', async (request, reply) => {
    const query = request.url.indexOf('?');
    const path = query >= 0 ? request.url.slice(0, query) : request.url;
    const route = routeFor(settings.upstreams, path);
    if (!route) return refuse(reply, 404, GatewayErrorText.NO_UPSTREAM);
    const exchange: Exchange = {
      route,
      session: null,
      outcome: 'refused',
      started: performance.now(),
      bodyTooLarge: false,
    };
    request.exchange = exchange;
    const token = request.headers[Header.CLIENT_AUTHENTICATION];
    let session: LiveSession | null;
    try {
      session = await checker.check(typeof token === 'string' ? token : undefined);
    } catch (error) {
      if (!(error instanceof ApprovalServerUnreachable)) throw error;
      request.log.error({ reason: error.message }, 'cannot introspect the session token');
      return refuse(reply, 503, GatewayErrorText.APPROVAL_SERVER_UNREACHABLE);
    }
    if (!session || !route.upstream.keys.has(session.credential_id)) {
      return refuse(reply, 401, GatewayErrorText.SESSION_REQUIRED);
    }
    exchange.session = session;
    if (unsafePath(route.rest)) return refuse(reply, 400, GatewayErrorText.BAD_PATH);
    const verdict = limiter.check(
      route.upstream.limits,
      `${route.upstream.name}:${session.session_id}`,
      request.method,
      route.rest,
    );
    if (verdict.ok) return;
    if (verdict.reason === 'rate') {
      reply.header('retry-after', String(verdict.retryAfterSeconds));
      return refuse(reply, 429, GatewayErrorText.SESSION_RATE_LIMITED);
    }
    return refuse(
      reply,
      403,
      verdict.reason === 'method' ? GatewayErrorText.METHOD_NOT_ALLOWED : GatewayErrorText.PATH_NOT_ALLOWED,
    );
  });

  app.all('*', (request, reply) => {
    const exchange = request.exchange!;
    const { upstream, rest } = exchange.route;
    const query = request.url.indexOf('?');
    const rawQuery = query >= 0 ? request.url.slice(query + 1) : '';
    const inject = upstream.inject;
    return reply.from(upstreamUrl(upstream, rest), {
      timeout: upstream.timeoutMs,
      // Never replay a request to the upstream: it is counted and may not be idempotent.
      retryDelay: () => null,
      queryString: () => {
        if (inject.kind !== 'query') return rawQuery;
        const kept = queryWithout(rawQuery, inject.query);
        const added = `${encodeURIComponent(inject.query)}=${encodeURIComponent(upstream.secret)}`;
        return kept ? `${kept}&${added}` : added;
      },
      rewriteRequestHeaders: (_request, headers) => {
        delete headers[Header.CLIENT_AUTHENTICATION];
        if (inject.kind === 'header') headers[inject.header] = inject.value.replace('{secret}', upstream.secret);
        return headers;
      },
      onResponse: (_request, reply, response) => {
        exchange.outcome = 'forwarded';
        reply.send(response.stream);
      },
      onError: (upstreamReply, { error }) => {
        const reply = upstreamReply as FastifyReply;
        exchange.outcome = 'upstream_error';
        if (exchange.bodyTooLarge) {
          refuse(reply, 413, GatewayErrorText.BODY_TOO_LARGE);
          return;
        }
        const timedOut =
          (error as { statusCode?: number }).statusCode === 504 &&
          !/connect/i.test((error as { code?: string }).code ?? '');
        const reason = reasonOf(error);
        request.log.warn({ upstream: upstream.name, reason }, 'upstream request failed');
        if (timedOut) refuse(reply, 504, upstreamTimeoutText(upstream.name, Math.round(upstream.timeoutMs / 1000)));
        else refuse(reply, 502, upstreamUnreachableText(upstream.name, reason));
      },
    });
  });

  app.setErrorHandler((error: Error & { statusCode?: number }, request, reply) => {
    const status = error.statusCode && error.statusCode >= 400 && error.statusCode < 500 ? error.statusCode : 500;
    if (status === 500) request.log.error({ err: error }, 'gateway error');
    return refuse(reply, status, status === 500 ? 'Internal gateway error.' : error.message);
  });

  app.addHook('onResponse', async (request, reply) => {
    const exchange = request.exchange;
    if (!exchange) return;
    const query = request.url.indexOf('?');
    history.record({
      at: new Date().toISOString(),
      upstream: exchange.route.upstream.name,
      method: request.method,
      path: query >= 0 ? request.url.slice(0, query) : request.url,
      status: reply.statusCode,
      outcome: exchange.outcome,
      session_id: exchange.session?.session_id ?? null,
      credential_id: exchange.session?.credential_id ?? null,
      ip: request.ip,
      ms: Math.round((performance.now() - exchange.started) * 100) / 100,
    });
  });
  app.addHook('onClose', async () => history.close());
  return { app, history };
}
