// Registers routes from one description that serves three purposes: Fastify's routing, input validation with the
// protocol's zod schemas, and the OpenAPI document (so the document cannot drift from what the server does). A
// handler's reply is typed by the same description: what it returns must fit the schema of its status code.
import type { ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { isDeepStrictEqual } from 'node:util';
import type { FastifyBaseLogger, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { WebSocket } from 'ws';
import { z } from 'zod';
import { type DeviceService, replayed, type VerifiedCall } from '../services/devices.js';
import type { DeviceRow } from '../store/types.js';
import { isRefusal } from '../domain/refusal.js';
import { ApiError } from './api-error.js';
import { ErrorText } from '../../protocol/index.js';
import { clientIp } from './client-ip.js';
import { deviceCall } from './signed-call.js';
import { type RateLimiter, rateLimited } from '../limits/rate-limiter.js';
import { describeIssues, parseInput } from './validation.js';

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

/** Success replies by status code. Every error is bunq's Error envelope. */
export type Responses = Record<number, z.ZodType>;

/** A success reply with its status code (a 202, say), made with the `withStatus` a handler is given. */
export class StatusReply<S extends number, T> {
  // Makes the class nominal: a plain { status, body } object returned by mistake is no StatusReply to tsc either.
  readonly #made = true;

  constructor(
    readonly status: S,
    readonly body: T,
  ) {}

  static is(value: unknown): value is StatusReply<number, unknown> {
    return typeof value === 'object' && value !== null && #made in value;
  }
}

/**
 * What a handler of a route with these responses may return: the 200 body itself, or `withStatus(code, body)` for
 * any of the route's status codes. Both are typed by the schema of their code (z.input: what a client that parses
 * the reply with that schema accepts).
 */
export type Reply<R extends Responses> =
  | (200 extends keyof R ? z.input<R[200]> : never)
  | { [S in keyof R & number]: StatusReply<S, z.input<R[S]>> }[keyof R & number];

/**
 * A route's handler. Written as a conditional type on purpose: tsc then types the literals a handler returns by the
 * route's own schemas (an array literal becomes the tuple its envelope needs); as a plain function type the
 * contextual type would stay generic and every tuple would widen to an array. (A handler without parameters is typed
 * before the schemas are known: one that returns a tuple literal names its input, `async (_) => …`.)
 */
type Handler<R extends Responses, I> = R extends Responses ? (input: I) => Promise<Reply<R>> : never;

export interface RouteInput<P extends Schema, Q extends Schema, B extends Schema, R extends Responses> {
  params: Parsed<P>;
  query: Parsed<Q>;
  body: Parsed<B>;
  request: FastifyRequest;
  /** The response underneath, to notice a caller that hangs up. What is sent is what the handler returns. */
  reply: Pick<FastifyReply, 'raw'>;
  /** A reply with one of the route's status codes, its body typed by that code's schema. */
  withStatus<S extends keyof R & number>(status: S, body: z.input<R[S]>): StatusReply<S, z.input<R[S]>>;
}

interface RouteShape<P extends Schema, Q extends Schema, B extends Schema, R extends Responses> {
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
  responses: R;
}

export interface PublicRoute<P extends Schema, Q extends Schema, B extends Schema, R extends Responses>
  extends RouteShape<P, Q, B, R> {
  auth: Exclude<RouteAuth, 'device'>;
  handler: Handler<R, RouteInput<P, Q, B, R>>;
}

export interface DeviceRoute<P extends Schema, Q extends Schema, B extends Schema, R extends Responses>
  extends RouteShape<P, Q, B, R> {
  handler: Handler<R, RouteInput<P, Q, B, R> & { device: DeviceRow }>;
}

/** A device route whose handler records the call's signature inside the transaction of what it changes. */
export interface RecordingDeviceRoute<P extends Schema, Q extends Schema, B extends Schema, R extends Responses>
  extends RouteShape<P, Q, B, R> {
  handler: Handler<R, RouteInput<P, Q, B, R> & { call: VerifiedCall }>;
}

export interface RouterOptions {
  /**
   * Check every success reply against its route's schema before it is sent: a reply that does not fit (a status
   * code the route does not list, a field missing, mistyped or not in the schema) becomes a 500 that says why, and
   * is logged. For tests: the types already hold the handlers to their schemas; this also covers what the types
   * cannot see (values from the database, casts). Off in production, where it would only cost time.
   */
  validateReplies?: boolean;
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
  responses: Responses;
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
    private readonly options: RouterOptions = {},
  ) {}

  route<P extends Schema, Q extends Schema, B extends Schema, R extends Responses>(
    spec: PublicRoute<P, Q, B, R>,
  ): void {
    this.catalog.push(spec);
    this.app.route({
      method: spec.method,
      url: spec.url,
      handler: async (request, reply) =>
        this.send(
          spec,
          request,
          reply,
          await spec.handler({ ...this.parse(spec, request), request, reply, withStatus }),
        ),
    });
  }

  /**
   * A route whose caller is checked before anything of the request is read: authorize throws (401) first, so a
   * caller without the right credentials learns nothing about what input would be valid.
   */
  guardedRoute<P extends Schema, Q extends Schema, B extends Schema, R extends Responses>(
    spec: PublicRoute<P, Q, B, R>,
    authorize: (request: FastifyRequest) => void,
  ): void {
    this.catalog.push(spec);
    this.app.route({
      method: spec.method,
      url: spec.url,
      handler: async (request, reply) => {
        authorize(request);
        const result = await spec.handler({ ...this.parse(spec, request), request, reply, withStatus });
        return this.send(spec, request, reply, result);
      },
    });
  }

  /**
   * A device-signed route: authentication first (401), then the path (400), then whether the device may act for
   * the user in the path (403), then query and body (400).
   */
  deviceRoute<P extends Schema, Q extends Schema, B extends Schema, R extends Responses>(
    spec: DeviceRoute<P, Q, B, R>,
  ): void {
    this.catalog.push({ ...spec, auth: 'device' });
    this.app.route({
      method: spec.method,
      url: spec.url,
      handler: async (request, reply) => {
        const device = await this.authenticate(request);
        const result = await spec.handler({ ...this.deviceInput(spec, request, device), reply, device, withStatus });
        return this.send(spec, request, reply, result);
      },
    });
  }

  /**
   * As deviceRoute, for a call that changes something in one transaction: the handler records the call's signature
   * inside it (VerifiedCall.recordInside), so that the replay record commits with the change instead of on its own
   * before. A call that fails has its signature recorded afterwards all the same, so a replay of any verified call
   * is refused as one; a replay refused inside the transaction counts as a failed authentication.
   */
  deviceRouteRecordingInside<P extends Schema, Q extends Schema, B extends Schema, R extends Responses>(
    spec: RecordingDeviceRoute<P, Q, B, R>,
  ): void {
    this.catalog.push({ ...spec, auth: 'device' });
    this.app.route({
      method: spec.method,
      url: spec.url,
      handler: async (request, reply) => {
        const call = await this.countingFailures(
          request,
          () => this.devices.verifyDeferringRecord(deviceCall(request)),
          true,
        );
        let input: RouteInput<P, Q, B, R> & { call: VerifiedCall };
        try {
          input = { ...this.deviceInput(spec, request, call.device), reply, call, withStatus };
        } catch (error) {
          // Refused before anything ran: a signature seen before makes it a replay, whatever else is wrong.
          if (!(await this.devices.recordAfterFailure(call))) {
            return this.countingFailures(request, () => Promise.reject(replayed()));
          }
          throw error;
        }
        let result: unknown;
        try {
          result = await this.countingFailures(request, () => spec.handler(input));
        } catch (error) {
          // The handler's transaction rolled back with the record, or refused after it committed: either way the
          // signature is remembered now (a replay was refused inside, and is recorded already).
          if (!isRefusal(error, 'unauthenticated')) await this.devices.recordAfterFailure(call);
          throw error;
        }
        // A handler that returned without recording (a bug: it must record before it changes anything) still
        // leaves the record, and says so.
        if (!call.recordedInside) {
          request.log.error({ operationId: spec.operationId }, 'signed call not recorded inside its transaction');
          await this.devices.record(call);
        }
        return this.send(spec, request, reply, result);
      },
    });
  }

  /** A device route's input, in its order: the path (400), the device's right to act for its user (403), the rest. */
  private deviceInput<P extends Schema, Q extends Schema, B extends Schema>(
    spec: { params?: P; query?: Q; body?: B },
    request: FastifyRequest,
    device: DeviceRow,
  ) {
    const params = spec.params ? parseInput(spec.params, request.params, 'path') : undefined;
    assertSameUser(device, params);
    const rest = this.parse({ query: spec.query, body: spec.body }, request);
    return { ...rest, params: params as Parsed<P>, request };
  }

  /** A device-signed WebSocket: the upgrade is refused with an HTTP error unless the signature holds. */
  stream<P extends z.ZodType>(spec: StreamRoute<P>): void {
    const onError = streamErrorListener(this.app.log);
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
        releaseUpgrade(socket, request, onError);
        spec.handler(socket, { params, request, device: request.device! });
      },
    });
  }

  /** Sets the status code of what a handler returned and gives Fastify the body to send (checked, if asked to). */
  private send(
    spec: { operationId: string; responses: Responses },
    request: FastifyRequest,
    reply: FastifyReply,
    result: unknown,
  ): unknown {
    const { status, body } = StatusReply.is(result) ? result : { status: 200, body: result };
    if (this.options.validateReplies) {
      const problem = replyProblem(spec.responses[status], body);
      if (problem !== null) {
        const message = `Reply of ${spec.operationId} does not fit its ${status} schema: ${problem}`;
        request.log.error({ operationId: spec.operationId, status, problem }, 'reply does not fit its schema');
        throw new ApiError(500, message);
      }
    }
    reply.code(status);
    return body;
  }

  private authenticate(request: FastifyRequest): Promise<DeviceRow> {
    return this.countingFailures(request, () => this.devices.authenticate(deviceCall(request)), true);
  }

  /**
   * Runs work that may refuse the caller's device authentication (401), counting each such refusal against the
   * client address; with checkFirst, a blocked address is refused (429) before the work starts.
   */
  private async countingFailures<T>(request: FastifyRequest, work: () => Promise<T>, checkFirst = false): Promise<T> {
    const ip = clientIp(request);
    if (checkFirst) {
      const wait = await this.failedAuths.blocked(ip);
      if (wait !== null) throw rateLimited(wait);
    }
    try {
      return await work();
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

function withStatus<S extends number, T>(status: S, body: T): StatusReply<S, T> {
  return new StatusReply(status, body);
}

/**
 * Why a reply body does not fit its schema, or null when it does. What is checked is the JSON the client gets, and
 * it must come out of the schema unchanged: a field the schema does not list (which parsing would drop) or a value
 * it would transform does not fit, since the OpenAPI document describes the schema's output.
 */
function replyProblem(schema: z.ZodType | undefined, body: unknown): string | null {
  if (!schema) return 'the route lists no such status code';
  const wire: unknown = body === undefined ? undefined : JSON.parse(JSON.stringify(body));
  const parsed = schema.safeParse(wire);
  if (!parsed.success) return describeIssues(parsed.error, 'body');
  return difference(wire, parsed.data, []);
}

/** Where what was sent and what the schema made of it differ first (a field it dropped, a value it changed). */
function difference(sent: unknown, parsed: unknown, path: string[]): string | null {
  if (isDeepStrictEqual(sent, parsed)) return null;
  if (sent && parsed && typeof sent === 'object' && typeof parsed === 'object') {
    for (const [key, value] of Object.entries(sent)) {
      if (!(key in parsed)) return `${[...path, key].join('.')}: not in the schema`;
      const inner = difference(value, (parsed as Record<string, unknown>)[key], [...path, key]);
      if (inner !== null) return inner;
    }
  }
  return `${path.join('.') || 'body'}: the schema changes ${JSON.stringify(sent)} into ${JSON.stringify(parsed)}`;
}

/** Node's http code keeps the response it is writing on the socket, in a field of its own. */
type UpgradedSocket = Socket & { _httpMessage?: ServerResponse | null };

/** The id of the upgrade request, kept on its WebSocket for the log lines of the socket's errors. */
const kRequestId = Symbol('upgrade request id');
type StreamSocket = WebSocket & { [kRequestId]?: string };

/**
 * Lets the upgrade's request and reply be collected once the WebSocket is open. @fastify/websocket keeps them
 * reachable for the socket's whole life — its 'error' listener closes over both, and the raw socket still points at
 * the ServerResponse it made for the upgrade — which made them most of an idle push stream's memory (headers,
 * IncomingMessage, ServerResponse, Fastify's Request and Reply: about 4 KB of its 10 KB, see `npm run bench`).
 * The replacement listener does what the library's did (log, drop the connection) without holding the request: one
 * function for every stream of the route, the request's id kept on the socket.
 */
function releaseUpgrade(socket: WebSocket, request: FastifyRequest, onError: (error: Error) => void): void {
  socket.removeAllListeners('error');
  (socket as StreamSocket)[kRequestId] = request.id;
  socket.on('error', onError);
  const raw = request.raw.socket as UpgradedSocket;
  raw._httpMessage?.detachSocket(raw);
}

/** The 'error' listener of a route's streams (ws calls it with the socket as `this`). */
function streamErrorListener(appLog: FastifyBaseLogger): (this: WebSocket, error: Error) => void {
  return function onStreamError(this: WebSocket, error: Error) {
    // The line a request's own logger would write: the request's id bound to it.
    const log = appLog.child({ reqId: (this as StreamSocket)[kRequestId] });
    // ws's WS_ERR_* errors are frames the device got wrong (too large, bad UTF-8, bad opcode): ws has already closed
    // with the fitting code (1009, 1007, 1002). Bad input, not a server fault, so not an error-level log with a stack
    // that any client could use to flood the operator's logs.
    const code = (error as NodeJS.ErrnoException).code;
    if (code?.startsWith('WS_ERR_'))
      log.info({ code, reason: error.message }, 'push stream: bad frame from the device');
    else log.error({ err: error }, 'push stream error');
    this.terminate();
  };
}

function assertSameUser(device: DeviceRow, params: unknown): void {
  const userId = (params as { userID?: unknown } | undefined)?.userID;
  if (userId !== undefined && userId !== device.userId) throw new ApiError(403, ErrorText.FORBIDDEN);
}
