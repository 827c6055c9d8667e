// What a signed call presents, as the HTTP edge read it off the request (http/signed-call.ts): who says they signed
// it, when, the signature, and what the signature covers. The services check it; they never see headers.

/**
 * A value as the call sent it: once, not at all, or as several values (refused like a missing one; Node joins most
 * repeated headers into one "a, b" string, which the checks of its format refuse).
 */
export type Sent = string | readonly string[] | undefined;

export interface SignedCall {
  /** The signer's id as sent: a device id (device calls) or an installation id (requester calls). */
  signer: Sent;
  timestamp: Sent;
  /** The signature as sent (base64url; checked for canonical spelling before use). */
  signature: Sent;
  method: string;
  /** The path with its query exactly as sent, which the signature covers. */
  pathWithQuery: string;
  body: Buffer | undefined;
}

/** How the signature is named in what a refusal tells: the header a client sets. */
export const SIGNATURE_FIELD = 'X-Countersign-Signature';

/** The value, when it came as one string; else undefined. */
export function once(value: Sent): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
