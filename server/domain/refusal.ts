// A use case saying no, in the domain's words: which kind of rule refused, and the text for the caller. Services
// and the rules below them throw it and know nothing of HTTP; http/error-handler.ts maps each kind to its status
// (and Retry-After) in one table, so the wire's numbers live in one place.
export type RefusalKind =
  /** The input breaks a rule of its shape or value. */
  | 'invalid'
  /** The caller did not prove who it is (bad key, signature, token, code). */
  | 'unauthenticated'
  /** The caller is known but may not do this. */
  | 'forbidden'
  /** Nothing of that id, or not the caller's. */
  | 'not-found'
  /** The thing is in a state that does not allow it (already decided, already listed). */
  | 'conflict'
  /** Its time has passed. */
  | 'expired'
  /** Too many of something; retryAfterSeconds says when to try again. */
  | 'too-many';

export class Refusal extends Error {
  override readonly name = 'Refusal';

  constructor(
    readonly kind: RefusalKind,
    message: string,
    /** For 'too-many': seconds until trying again can succeed. */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

export const isRefusal = (error: unknown, kind?: RefusalKind): error is Refusal =>
  error instanceof Refusal && (kind === undefined || error.kind === kind);
