// The core's one HTTP client: device-signed calls (X-Countersign-Device/-Timestamp/-Signature over the canonical
// request) and the unsigned pairing call. Failures come back as CoreError data with the server's own wording.
import type { KeyObject } from 'node:crypto';
import type { z } from 'zod';
import { sha256Hex, signText } from '../../protocol/crypto.js';
import { ErrorEnvelope, EMPTY_BODY_SHA256, Header, canonicalRequest } from '../../protocol/index.js';
import type { CoreErrorCode, Result } from './api.js';
import type { Clock } from './clock.js';
import { fail, ok } from './result.js';
import { apiUrl } from './server-url.js';
import { CertificateChangedError } from './tls-pin.js';

const TIMEOUT_MS = 15_000;

export type Fetch = typeof fetch;

export interface HttpDeps {
  fetch: Fetch;
  clock: Clock;
}

export interface HttpCall {
  method: 'GET' | 'POST' | 'PUT' | 'DELETE';
  /** API path with query, e.g. /v1/user/3/credential-password-ip?x=1 */
  path: string;
  body?: unknown;
}

export interface HttpReply {
  status: number;
  body: unknown;
  /** The reply's Date header: the server's clock, to the second. */
  date: string | null;
}

/** Who signs: the device id the server knows and its private key, fresh from the vault. */
export interface DeviceSigner {
  deviceId: number;
  key: KeyObject;
}

/** The three device headers for one call (also used for the WebSocket upgrade). */
export function deviceHeaders(
  signer: DeviceSigner,
  method: string,
  pathWithQuery: string,
  bodySha256Hex: string,
  clock: Clock,
): Record<string, string> {
  const timestamp = String(clock.now());
  const signature = signText(signer.key, canonicalRequest({ method, pathWithQuery, timestamp, bodySha256Hex }));
  return {
    [Header.DEVICE]: String(signer.deviceId),
    [Header.TIMESTAMP]: timestamp,
    [Header.SIGNATURE]: signature,
  };
}

/** Sends one call; an HTTP error status is a reply, only "no answer at all" is an error here. */
export async function send(
  deps: HttpDeps,
  server: string,
  call: HttpCall,
  signer?: DeviceSigner,
): Promise<Result<HttpReply>> {
  const url = apiUrl(server, call.path);
  const body = call.body === undefined ? undefined : JSON.stringify(call.body);
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  if (signer) {
    // The server checks the signature against the path it receives, so sign exactly what is sent.
    const hash = body === undefined ? EMPTY_BODY_SHA256 : sha256Hex(body);
    Object.assign(headers, deviceHeaders(signer, call.method, url.pathname + url.search, hash, deps.clock));
  }
  let response: Response;
  try {
    response = await deps.fetch(url, { method: call.method, headers, body, signal: AbortSignal.timeout(TIMEOUT_MS) });
  } catch (thrown) {
    const changed = certificateChange(thrown);
    if (changed) return { ok: false, error: changed.coreError };
    return fail('NETWORK', `Cannot reach ${url.origin}: ${networkReason(thrown)}.`);
  }
  const text = await response.text().catch(() => '');
  let parsed: unknown = null;
  if (text) {
    try {
      parsed = JSON.parse(text);
    } catch {
      parsed = text;
    }
  }
  return ok({ status: response.status, body: parsed, date: response.headers.get('date') });
}

/** The pinned certificate check's verdict, if that is what failed (directly or as the cause). */
function certificateChange(thrown: unknown): CertificateChangedError | null {
  if (thrown instanceof CertificateChangedError) return thrown;
  const cause = (thrown as { cause?: unknown } | null)?.cause;
  return cause instanceof CertificateChangedError ? cause : null;
}

function networkReason(thrown: unknown): string {
  if (!(thrown instanceof Error)) return String(thrown);
  if (thrown.name === 'TimeoutError') return `no answer within ${TIMEOUT_MS / 1000} s`;
  const cause = (thrown as Error & { cause?: { code?: string; message?: string } }).cause;
  return cause?.code ?? cause?.message ?? thrown.message;
}

function codeForStatus(status: number): CoreErrorCode {
  if (status === 400 || status === 413 || status === 415) return 'INVALID_INPUT';
  if (status === 401) return 'UNAUTHORIZED';
  if (status === 404) return 'NOT_FOUND';
  return 'SERVER';
}

/** The CoreError for an error reply, carrying the server's error_description. */
export function replyError<T = never>(reply: HttpReply, what: string): Result<T> {
  const envelope = ErrorEnvelope.safeParse(reply.body);
  const description = envelope.success
    ? envelope.data.Error.map((e) => e.error_description).join(' ')
    : `the server answered HTTP ${reply.status}`;
  const message =
    reply.status === 401
      ? `The server no longer accepts this device (${description}). Remove the account and pair again.`
      : `${what} failed: ${description}`;
  return fail(codeForStatus(reply.status), message, reply.status);
}

/** A 2xx reply validated against its protocol schema; anything else as CoreError. */
export function expectReply<S extends z.ZodType>(reply: HttpReply, schema: S, what: string): Result<z.infer<S>> {
  if (reply.status < 200 || reply.status > 299) return replyError(reply, what);
  const parsed = schema.safeParse(reply.body);
  if (!parsed.success) {
    return fail(
      'SERVER',
      `${what}: the server's reply does not follow protocol v1 (${parsed.error.issues[0]?.message}).`,
      reply.status,
    );
  }
  return ok(parsed.data);
}

/** send + expectReply. */
export async function call<S extends z.ZodType>(
  deps: HttpDeps,
  server: string,
  request: HttpCall,
  schema: S,
  what: string,
  signer?: DeviceSigner,
): Promise<Result<z.infer<S>>> {
  const reply = await send(deps, server, request, signer);
  return reply.ok ? expectReply(reply.value, schema, what) : reply;
}
