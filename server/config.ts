// What an operator (or a test) can tune, with the defaults docs/PROTOCOL.md names.
import { Limits } from '../protocol/index.js';
import { AddressObserver } from './geoip/observer.js';
import { NO_TRUSTED_PROXY, type TrustedProxies } from './http/trusted-proxies.js';
import type { WebhookConfig } from './webhooks/config.js';

export interface ServerConfig {
  requestLifetimeSeconds: number;
  sessionLifetimeSeconds: number;
  /** Bearer secret for POST /v1/session-server/introspect; null turns introspection away (401). */
  introspectionSecret: string | null;
  /** How often the push stream pings; a device that has not answered the previous ping by then is dropped. */
  pingIntervalMs: number;
  /** The proxies whose X-Forwarded-For/-Proto/-Host are believed (--trust-proxy); none by default. */
  trustProxy: TrustedProxies;
  /** How long a never-used key (PENDING_FIRST_USE) stays valid. */
  firstUseLifetimeSeconds: number;
  /** How long after delivery a claimed request's token can be collected again (Limits.TOKEN_REDELIVERY_SECONDS). */
  tokenRedeliverySeconds: number;
  /** How often expired requests are swept. */
  sweepIntervalMs: number;
  /** How often old replay records and what retention no longer keeps are pruned (at a sweep, so at least this). */
  pruneIntervalMs: number;
  /** Failed pairing attempts allowed per IP within pairingFailureWindowMs before 429. */
  pairingFailureLimit: number;
  pairingFailureWindowMs: number;
  /**
   * Failed device authentications (any 401 of a device-signed call or upgrade) allowed per client IP within
   * deviceAuthFailureWindowMs before 429: each can cost an Ed25519 verification.
   */
  deviceAuthFailureLimit: number;
  deviceAuthFailureWindowMs: number;
  /** POST /v1/session-server attempts allowed per client IP (IPv6: per /64) within sessionRateWindowMs; 0 = no limit. */
  sessionRateLimit: number;
  sessionRateWindowMs: number;
  /**
   * 32 bytes that seal the devices' TOTP secrets (AES-256-GCM). null: startServer makes or reads a key file beside
   * the database.
   */
  totpKey: Buffer | null;
  /** Wrong TOTP codes allowed per client IP within codeFailureWindowMs before 429 (the key also locks after 3). */
  codeFailureLimit: number;
  codeFailureWindowMs: number;
  /**
   * Addresses each per-address limit holds in memory at most (one instance on SQLite; on PostgreSQL the counts are
   * rows of the shared database instead). When full, the window that ends first is forgotten.
   */
  rateLimitMemoryEntries: number;
  /** Days session requests (the history) are kept; the sweeper deletes older ones that are no longer PENDING. */
  historyDays: number;
  /** Signed webhooks to the API provider's receivers; null: events are kept a while but sent nowhere. */
  webhooks: WebhookConfig | null;
  /** SHA-256 (hex) of the operator API's Bearer token (/v1/operator/…); null turns the operator API away (401). */
  operatorTokenHash: string | null;
  /** What the server looks up about a requester's address (GeoIP/ASN); startServer opens the installed databases. */
  observer: AddressObserver;
  now: () => number;
}

export const defaultConfig: ServerConfig = {
  requestLifetimeSeconds: Limits.DEFAULT_REQUEST_LIFETIME_SECONDS,
  sessionLifetimeSeconds: Limits.DEFAULT_SESSION_LIFETIME_SECONDS,
  introspectionSecret: null,
  pingIntervalMs: 20_000,
  trustProxy: NO_TRUSTED_PROXY,
  firstUseLifetimeSeconds: 30 * 24 * 3600,
  tokenRedeliverySeconds: Limits.TOKEN_REDELIVERY_SECONDS,
  sweepIntervalMs: 500,
  pruneIntervalMs: 30_000,
  pairingFailureLimit: 10,
  pairingFailureWindowMs: 15 * 60_000,
  // A paired device rarely fails (a clock far off, a replay after a retry); room for a few devices behind one NAT.
  deviceAuthFailureLimit: 30,
  deviceAuthFailureWindowMs: 15 * 60_000,
  // A program opens a session and uses it for an hour; one address asking once a second for a minute is a flood.
  sessionRateLimit: 60,
  sessionRateWindowMs: 60_000,
  totpKey: null,
  // A 6-digit code has a million values; 10 guesses per quarter hour per address (and a lock after 3 per key)
  // make guessing hopeless.
  codeFailureLimit: 10,
  codeFailureWindowMs: 15 * 60_000,
  // A few MiB per limit at most, and more addresses than one instance sees in a window.
  rateLimitMemoryEntries: 50_000,
  historyDays: 90,
  webhooks: null,
  operatorTokenHash: null,
  observer: AddressObserver.off(),
  now: Date.now,
};
