// What a signed call presents, as the HTTP edge read it off the request (http/signed-call.ts): who says they signed
// it, when, the signature, and what the signature covers. The services check it; they never see headers.

/** A value the call sent once, several times (refused like a missing one), or not at all. */
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

/** The value of a field sent exactly once, else undefined. */
export function once(value: Sent): string | undefined {
  return typeof value === 'string' ? value : undefined;
}
