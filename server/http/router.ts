// Registers routes from one description that serves three purposes: Fastify's routing, input validation with the
// protocol's zod schemas, and the OpenAPI document (so the document cannot drift from what the server does).
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import type { DeviceService } from '../services/devices.js';
import type { DeviceRow } from '../store/types.js';
import { isRefusal } from '../domain/refusal.js';
import { ApiError } from './api-error.js';
import { ErrorText } from '../../protocol/index.js';
import { clientIp } from './client-ip.js';
import { type RateLimiter, rateLimited } from '../limits/rate-limiter.js';
import { parseInput } from './validation.js';

/** How a route's caller proves who it is (shown in the OpenAPI document). */
export type RouteAuth =
  | 'none'
  | 'device'
  | 'api-key'
  | 'session-token'
  | 'introspection-secret'
  /** No credential in headers (the API key is in the body), optionally signed by a requester installation. */
  | 'requester'
  /** The API key, optionally with a requester installation's signature. */
  | 'api-key-requester'
  /** The operator API's Bearer token (--operator-token-file). */
  | 'operator-token';

type Schema = z.ZodType | undefined;
type Parsed<S extends Schema> = S extends z.ZodType ? z.output<S> : undefined;

export interface RouteInput<P extends Schema, Q extends Schema, B extends Schema> {
  params: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
  request: FastifyRequest;
  reply: FastifyReply;
}

interface RouteShape<P extends Schema, Q extends Schema, B extends Schema> {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** Fastify syntax: /v1/user/:userID/credential-password-ip */
  url: string;
  /** Stable name of the operation in the OpenAPI document (what generated clients call their method). */
  operationId: string;
  summary: string;
  params?: P;
  query?: Q;
  body?: B;
  /** Success replies by status code. Every error is bunq's Error envelope. */
  responses: Record<number, z.ZodType>;
}

export interface PublicRoute<P extends Schema, Q extends Schema, B extends Schema> extends RouteShape<P, Q, B> {
  auth: Exclude<RouteAuth, 'device'>;
  handler(input: RouteInput<P, Q, B>): Promise<unknown>;
}

export interface DeviceRoute<P extends Schema, Q extends Schema, B extends Schema> extends RouteShape<P, Q, B> {
  handler(input: RouteInput<P, Q, B> & { device: DeviceRow }): Promise<unknown>;
}

export interface StreamRoute<P extends z.ZodType> {
  url: string;
  operationId: string;
  summary: string;
  params: P;
  handler(socket: WebSocket, input: { params: z.output<P>; request: FastifyRequest; device: DeviceRow }): void;
}

/** What the OpenAPI document lists about a route. */
export interface CatalogEntry {
  method: string;
  url: string;
  operationId: string;
  summary: string;
  auth: RouteAuth;
  params?: z.ZodType;
  query?: z.ZodType;
  body?: z.ZodType;
  responses: Record<number, z.ZodType>;
  websocket?: boolean;
}

/** A route without query parameters refuses any (unknown fields are errors, in the query too). */
const NO_QUERY = z.strictObject({});

declare module 'fastify' {
  interface FastifyRequest {
    device?: DeviceRow;
  }
}

export class Router {
  readonly catalog: CatalogEntry[] = [];

  constructor(
    private readonly app: FastifyInstance,
    private readonly devices: DeviceService,
    /** Failed device authentications per client address (each may have cost a signature verification). */
    private readonly failedAuths: RateLimiter,
  ) {}

  route<P extends Schema, Q extends Schema, B extends Schema>(spec: PublicRoute<P, Q, B>): void {
    this.catalog.push(spec);
    this.app.route({
      method: spec.method,
      url: spec.url,
      handler: async (request, reply) => spec.handler({ ...this.parse(spec, request), request, reply }),
    });
  }

  /**
   * A route whose caller is checked before anything of the request is read: authorize throws (401) first, so a
   * caller without the right credentials learns nothing about what input would be valid.
   */
  guardedRoute<P extends Schema, Q extends Schema, B extends Schema>(
    spec: PublicRoute<P, Q, B>,
    authorize: (request: FastifyRequest) => void,
  ): void {
    this.catalog.push(spec);
    this.app.route({
      method: spec.method,
      url: spec.url,
      handler: async (request, reply) => {
        authorize(request);
        return spec.handler({ ...this.parse(spec, request), request, reply });
      },
    });
  }

  /**
   * A device-signed route: authentication first (401), then the path (400), then whether the device may act for
   * the user in the path (403), then query and body (400).
   */
  deviceRoute<P extends Schema, Q extends Schema, B extends Schema>(spec: DeviceRoute<P, Q, B>): void {
    this.catalog.push({ ...spec, auth: 'device' });
    this.app.route({
      method: spec.method,
      url: spec.url,
      handler: async (request, reply) => {
        const device = await this.authenticate(request);
        const params = spec.params ? parseInput(spec.params, request.params, 'path') : undefined;
        assertSameUser(device, params);
        const rest = this.parse({ query: spec.query, body: spec.body }, request);
        return spec.handler({ ...rest, params: params as Parsed<P>, request, reply, device });
      },
    });
  }

  /** A device-signed WebSocket: the upgrade is refused with an HTTP error unless the signature holds. */
  stream<P extends z.ZodType>(spec: StreamRoute<P>): void {
    this.catalog.push({
      method: 'GET',
      url: spec.url,
      operationId: spec.operationId,
      summary: spec.summary,
      auth: 'device',
      params: spec.params,
      responses: {},
      websocket: true,
    });
    this.app.route({
      method: 'GET',
      url: spec.url,
      preValidation: async (request) => {
        const device = await this.authenticate(request);
        const params = parseInput(spec.params, request.params, 'path');
        if ((params as { id?: number }).id !== device.id) throw new ApiError(403, ErrorText.FORBIDDEN);
        request.device = device;
      },
      // A plain GET without the upgrade gets told what is missing, in the usual envelope (not an empty 404).
      handler: async () => {
        throw new ApiError(426, 'This is a WebSocket push stream: connect with an Upgrade: websocket request.', {
          upgrade: 'websocket',
        });
      },
      wsHandler: (socket, request) => {
        const params = parseInput(spec.params, request.params, 'path');
        releaseUpgrade(socket, request);
        spec.handler(socket, { params, request, device: request.device! });
      },
    });
  }

  private async authenticate(request: FastifyRequest): Promise<DeviceRow> {
    const ip = clientIp(request);
    const wait = await this.failedAuths.blocked(ip);
    if (wait !== null) throw rateLimited(wait);
    try {
      return await this.devices.authenticate({
        headers: request.headers,
        method: request.method,
        pathWithQuery: request.raw.url ?? request.url,
        body: request.rawBody,
      });
    } catch (error) {
      if (isRefusal(error, 'unauthenticated')) await this.failedAuths.fail(ip);
      throw error;
    }
  }

  private parse<P extends Schema, Q extends Schema, B extends Schema>(
    spec: { params?: P; query?: Q; body?: B },
    request: FastifyRequest,
  ) {
    const query = parseInput(spec.query ?? NO_QUERY, request.query, 'query');
    if (!spec.body && request.body !== undefined) throw new ApiError(400, 'body: this endpoint takes no body');
    return {
      params: (spec.params ? parseInput(spec.params, request.params, 'path') : undefined) as Parsed<P>,
      query: (spec.query ? query : undefined) as Parsed<Q>,
      body: (spec.body ? parseInput(spec.body, request.body, 'body') : undefined) as Parsed<B>,
    };
  }
}

/** Node's http code keeps the response it is writing on the socket, in a field of its own. */
type UpgradedSocket = Socket & { _httpMessage?: ServerResponse | null };

/**
 * Lets the upgrade's request and reply be collected once the WebSocket is open. @fastify/websocket keeps them
 * reachable for the socket's whole life — its 'error' listener closes over both, and the raw socket still points at
 * the ServerResponse it made for the upgrade — which made them most of an idle push stream's memory (headers,
 * IncomingMessage, ServerResponse, Fastify's Request and Reply: about 4 KB of its 10 KB, see `npm run bench`).
 * The replacement listener does what the library's did (log, drop the connection) without holding the request.
 */
function releaseUpgrade(socket: WebSocket, request: FastifyRequest): void {
  const log = request.log;
  socket.removeAllListeners('error');
  socket.on('error', (error) => {
    // ws's WS_ERR_* errors are frames the device got wrong (too large, bad UTF-8, bad opcode): ws has already closed
    // with the fitting code (1009, 1007, 1002). Bad input, not a server fault, so not an error-level log with a stack
    // that any client could use to flood the operator's logs.
    const code = (error as NodeJS.ErrnoException).code;
    if (code?.startsWith('WS_ERR_'))
      log.info({ code, reason: error.message }, 'push stream: bad frame from the device');
    else log.error({ err: error }, 'push stream error');
    socket.terminate();
  });
  const raw = request.raw.socket as UpgradedSocket;
  raw._httpMessage?.detachSocket(raw);
}

function assertSameUser(device: DeviceRow, params: unknown): void {
  const userId = (params as { userID?: unknown } | undefined)?.userID;
  if (userId !== undefined && userId !== device.userId) throw new ApiError(403, ErrorText.FORBIDDEN);
}
