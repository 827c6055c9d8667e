// An error that has an HTTP status and a text for the caller, thrown by the HTTP edge itself (a body that is not
// JSON, a failed schema check, a plain GET of the push stream); services throw domain Refusals instead
// (domain/refusal.ts). The error handler turns both into bunq's Error envelope. Anything else that reaches the
// handler is a bug and becomes a 500.
export class ApiError extends Error {
  override readonly name = 'ApiError';

  constructor(
    readonly status: number,
    message: string,
    /** Extra reply headers, e.g. Retry-After on a 429. */
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}
