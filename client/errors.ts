// The one error type the requester library throws, so a caller can tell "the server said no" (status set,
// message = the server's own error_description) from "the server could not be reached" (status null).

export type CountersignErrorKind =
  /** The server answered with an error status; message is its error_description. */
  | 'http'
  /** No reply: connection refused or reset, DNS failure, TLS failure, no answer in time. */
  | 'network'
  /** The server replied with something that is not protocol v1 (wrong server, proxy page, version mismatch). */
  | 'protocol'
  /** Refused before sending: plain http:// to a host that is not this machine, without insecureHttp. */
  | 'insecure-transport'
  /** The request was ACCEPTED but its token was already handed to an earlier reader (tokens go out once). */
  | 'token-delivered';

export class CountersignError extends Error {
  override readonly name = 'CountersignError';
  readonly kind: CountersignErrorKind;
  /** HTTP status of the reply, or null when there was none. */
  readonly status: number | null;
  /** From Retry-After on a 429, when the server sent one. */
  readonly retryAfterSeconds: number | null;

  constructor(
    message: string,
    options: { kind: CountersignErrorKind; status?: number | null; retryAfterSeconds?: number | null; cause?: unknown },
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.kind = options.kind;
    this.status = options.status ?? null;
    this.retryAfterSeconds = options.retryAfterSeconds ?? null;
  }
}
