// Error texts that clients may rely on, and the HTTP status each goes with. One place, so that the server, the
// requester client and the approver all agree on wording.
import { Limits } from './headers.js';

export const ErrorText = {
  /** bunq's own wording for an unknown, inactive or locked key, or an IP not permitted. */
  BAD_CREDENTIALS: 'User credentials are incorrect. Incorrect API key or IP address.',
  TOO_MANY_PENDING:
    'Too many session requests are waiting for approval for this API key. Wait for them to be decided or to expire.',
  RATE_LIMITED: 'Too many requests. Slow down and try again shortly.',
  REQUEST_NOT_FOUND: 'No session request with this uuid exists for this API key.',
  CLAIM_INVALID:
    'X-Countersign-Claim: must be 22 to 128 characters of A-Z, a-z, 0-9, "-" and "_" (e.g. 32 random bytes in base64url).',
  CLAIM_MISMATCH:
    'This session request was opened with another X-Countersign-Claim: only the requester that holds it can read it.',
  REDELIVERY_ELSEWHERE:
    'This session request came from another address: its token is handed out again only to the address the request came from.',
  ALREADY_DECIDED: 'This request has already been decided.',
  EXPIRED: 'This request has expired.',
  DEVICE_AUTH_FAILED: 'Device authentication failed.',
  STALE_TIMESTAMP: 'X-Countersign-Timestamp is more than 60 seconds away from the server clock.',
  REPLAYED: 'This signature has been used before.',
  FORBIDDEN: 'This device may not act for this user.',
  NOT_FOUND: 'Not found.',
  PAIRING_CODE_INVALID: 'The pairing code is unknown, used or expired.',
  TOO_MANY_PAIRING_CODES: `This user already has ${Limits.MAX_OUTSTANDING_PAIRING_CODES} unused pairing codes. Pair a device with one of them, or wait for one to expire (${Limits.PAIRING_CODE_LIFETIME_SECONDS / 60} minutes after it was made).`,
  INTROSPECTION_AUTH: 'Introspection needs Authorization: Bearer <introspection secret>.',
  SESSION_AUTH: 'X-Bunq-Client-Authentication must carry the session token of this session.',
  IP_IMMUTABLE: 'An IP address cannot be changed. Set it INACTIVE and add the new address instead.',
  BODY_TOO_LARGE: 'The request body is too large.',
  INSTALLATION_UNKNOWN: 'X-Countersign-Installation: no installation with this id is registered with this API key.',
  INSTALLATION_HEADERS:
    'A signed requester call needs X-Countersign-Installation (the installation id), X-Countersign-Timestamp and X-Countersign-Signature.',
  INSTALLATION_SIGNATURE:
    "X-Countersign-Signature: does not verify with this installation's key over the canonical requester string.",
  INSTALLATION_REQUIRED:
    'This session request was opened by a requester installation: read its status with requests signed by the same installation.',
  GRANT_MODE: 'A grant applies only to keys in mode push or push-unless-trusted; this key is ip-only.',
  GRANT_NEEDS_INSTALLATION:
    'scope installation: this request was not signed by a requester installation, so there is none to trust.',
} as const;

/** HTTP statuses used by the API. Bad input is always a 4xx; a 5xx means a bug. */
export const HttpStatus = {
  OK: 200,
  ACCEPTED: 202,
  BAD_REQUEST: 400,
  UNAUTHORIZED: 401,
  FORBIDDEN: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  GONE: 410,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  TOO_MANY_REQUESTS: 429,
} as const;

/** WebSocket close codes the push stream uses (4000–4999 are for applications). */
export const StreamCloseCode = {
  /** The device sent something that is not a valid client message. */
  BAD_MESSAGE: 4400,
  /** The device was removed or its user no longer exists. */
  DEVICE_REVOKED: 4401,
  /** No pong within the heartbeat window. */
  HEARTBEAT_TIMEOUT: 4408,
  /** The server is shutting down; reconnect. */
  SERVER_GOING_AWAY: 1001,
} as const;
