// Header names, lower-cased as Node presents them.
export const Header = {
  CLIENT_REQUEST_ID: 'x-bunq-client-request-id',
  CLIENT_AUTHENTICATION: 'x-bunq-client-authentication',
  GEOLOCATION: 'x-bunq-geolocation',
  USER_AGENT: 'user-agent',
  DEVICE: 'x-countersign-device',
  TIMESTAMP: 'x-countersign-timestamp',
  SIGNATURE: 'x-countersign-signature',
  /** A requester's secret for its own request: binds the request to it, and lets it collect a lost token again. */
  CLAIM: 'x-countersign-claim',
  /** A requester installation's id: with X-Countersign-Timestamp and -Signature, a signed requester call. */
  INSTALLATION: 'x-countersign-installation',
} as const;

/** X-Countersign-Claim: 22–128 characters of the base64url alphabet (e.g. 32 random bytes, base64url). */
export const CLAIM_PATTERN = /^[A-Za-z0-9_-]{22,128}$/;

/** Allowed distance between a device's X-Countersign-Timestamp and the server clock. */
export const TIMESTAMP_TOLERANCE_MS = 60_000;

/** Limits shared by server and clients. */
export const Limits = {
  /** Largest JSON body the API accepts. */
  MAX_BODY_BYTES: 16 * 1024,
  MAX_PENDING_PER_KEY: 3,
  /** Longest long-poll, in seconds. */
  MAX_WAIT_SECONDS: 25,
  DEFAULT_REQUEST_LIFETIME_SECONDS: 120,
  DEFAULT_SESSION_LIFETIME_SECONDS: 3600,
  PAIRING_CODE_LIFETIME_SECONDS: 600,
  /** Unused, unexpired pairing codes a user may have at once (from devices and countersign-admin together). */
  MAX_OUTSTANDING_PAIRING_CODES: 3,
  /** Three BLOCKs within this window lock the key. */
  LOCK_WINDOW_SECONDS: 600,
  LOCK_AFTER_BLOCKS: 3,
  /** Suggested poll interval for clients that do not long-poll, in seconds. */
  POLL_INTERVAL_SECONDS: 2,
  /**
   * After the token was last handed out, a status read with the request's claim gets a fresh token (the old one stops
   * working) for this long: a reply lost to a crash or a dropped connection is not lost for good.
   */
  TOKEN_REDELIVERY_SECONDS: 60,
  /** Digits of the code the requester shows and the owner types, for a new key unless told (0 = no code). */
  DEFAULT_CODE_LENGTH: 3,
  MAX_CODE_LENGTH: 8,
  /** A claimed location further than this from the one the address shows is flagged. */
  CLAIMED_LOCATION_FAR_KM: 500,
} as const;
