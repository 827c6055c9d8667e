// One HTTP exchange with the approval server: JSON in, JSON out, bunq error envelopes turned into CountersignError.
//
// Why node:http/https and not fetch: Node's fetch cannot bind the outgoing connection to a local address
// (that needs undici's Agent, which is not a dependency of ours), and tests must be able to originate from
// 127.0.0.2 to exercise the permitted-IP rules. Using node:http(s) for every call keeps a single code path, so
// the tests exercise exactly what users run.
import { randomUUID } from 'node:crypto';
import { type IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { z } from 'zod';
import { ErrorEnvelope, Header } from '../protocol/index.js';
import { CountersignError } from './errors.js';
import type { InstallationSigner } from './installation.js';
import { plainHttpGuard } from './transport.js';

/** A protocol reply is a few hundred bytes; anything far larger is not our server, so stop reading. */
const MAX_REPLY_BYTES = 1024 * 1024;

export interface HttpCall {
  /** Base URL of the approval server, e.g. "https://countersign.example.com" (a path prefix is kept). */
  server: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** API path starting with /v1/. */
  path: string;
  query?: Record<string, string>;
  headers?: Record<string, string>;
  body?: unknown;
  localAddress?: string;
  /** Allow plain http:// to a host that is not this machine (refused otherwise, before anything is sent). */
  insecureHttp?: boolean;
  signal?: AbortSignal;
  /** Give up when the connection is silent this long (a long-poll is silent for up to its wait). */
  idleTimeoutMs: number;
  /** Sign the call as this requester installation (over the path with query and the body bytes sent). */
  signer?: InstallationSigner | null;
}

export interface HttpReply {
  status: number;
  headers: IncomingHttpHeaders;
  /** The parsed JSON body; undefined when the body was empty or not JSON. */
  json: unknown;
}

/** Parses and checks the server URL; a TypeError because a bad URL is a programming or usage error. */
export function serverUrl(server: string): URL {
  let url: URL;
  try {
    url = new URL(server);
  } catch {
    throw new TypeError(`The server must be a URL such as https://countersign.example.com (got "${server}").`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new TypeError(`The server URL must start with http:// or https:// (got "${server}").`);
  }
  return url;
}

function endpoint(server: string, path: string, query: Record<string, string> | undefined): URL {
  const url = serverUrl(server);
  url.pathname = url.pathname.replace(/\/+$/, '') + path;
  url.search = query ? new URLSearchParams(query).toString() : '';
  url.hash = '';
  return url;
}

/** Sends one request. Resolves with any HTTP reply (the caller judges the status); rejects only without one. */
export function send(call: HttpCall): Promise<HttpReply> {
  const url = endpoint(call.server, call.path, call.query);
  const payload = call.body === undefined ? undefined : Buffer.from(JSON.stringify(call.body), 'utf8');
  const headers: Record<string, string> = {
    accept: 'application/json',
    // Echoed by the server on its reply and in its logs: lets an operator find this exchange.
    [Header.CLIENT_REQUEST_ID]: randomUUID(),
    ...call.headers,
  };
  if (payload) {
    headers['content-type'] = 'application/json';
    headers['content-length'] = String(payload.length);
  }
  if (call.signer) Object.assign(headers, call.signer.headers(call.method, url.pathname + url.search, payload));
  const request = url.protocol === 'https:' ? httpsRequest : httpRequest;

  return new Promise<HttpReply>((resolve, reject) => {
    // Throwing here rejects the promise: no socket is opened for a refused URL.
    const lookup = plainHttpGuard(url, call.insecureHttp === true);
    const fail = (error: Error) => {
      if (call.signal?.aborted) reject(call.signal.reason);
      else if (error instanceof CountersignError) reject(error);
      else
        reject(new CountersignError(`Cannot reach ${url.origin}: ${error.message}`, { kind: 'network', cause: error }));
    };
    const req = request(
      url,
      {
        method: call.method,
        headers,
        signal: call.signal,
        ...(call.localAddress ? { localAddress: call.localAddress } : {}),
        ...(lookup ? { lookup } : {}),
      },
      (res) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size > MAX_REPLY_BYTES) {
            res.destroy(new Error(`the reply is larger than ${MAX_REPLY_BYTES} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        res.on('error', fail);
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json });
        });
      },
    );
    req.setTimeout(call.idleTimeoutMs, () => {
      req.destroy(new Error(`no reply within ${Math.round(call.idleTimeoutMs / 1000)} s`));
    });
    req.on('error', fail);
    req.end(payload);
  });
}

/** The error a non-success reply stands for: the server's own error_description when it sent one. */
export function errorFromReply(reply: HttpReply): CountersignError {
  const envelope = ErrorEnvelope.safeParse(reply.json);
  const retryAfter = Number(reply.headers['retry-after']);
  const options = {
    kind: 'http' as const,
    status: reply.status,
    retryAfterSeconds: Number.isFinite(retryAfter) && retryAfter >= 0 ? retryAfter : null,
  };
  if (envelope.success) {
    return new CountersignError(envelope.data.Error.map((e) => e.error_description).join(' '), options);
  }
  return new CountersignError(`The server answered HTTP ${reply.status} without a Countersign error message.`, options);
}

/** Checks a success reply against its schema; a mismatch means the other side does not speak protocol v1. */
export function parseReply<S extends z.ZodType>(reply: HttpReply, schema: S, what: string): z.output<S> {
  const parsed = schema.safeParse(reply.json);
  if (!parsed.success) {
    throw new CountersignError(
      `The server's reply to ${what} is not Countersign protocol v1 (HTTP ${reply.status}): ${z.prettifyError(parsed.error)}`,
      { kind: 'protocol', status: reply.status },
    );
  }
  return parsed.data;
}
