// What an approval request tells the owner about where it comes from, in two parts kept apart on purpose: what
// the server itself saw (the address, and what its GeoIP/ASN databases say about it), which the requester cannot
// write, and what the requesting program claims about itself (description, User-Agent, X-Bunq-Geolocation), which
// whoever holds the key writes — the attacker too, when the key is stolen. Plus what changed since the key's last
// approved session.
import { z } from 'zod';
import { Geolocation } from './session.js';

/**
 * public: routable on the Internet (looked up); private: RFC 1918, 100.64.0.0/10, fc00::/7; loopback; link-local
 * (169.254.0.0/16, fe80::/10); unknown: not an address the Internet routes (unspecified, documentation,
 * benchmarking, multicast, reserved ranges).
 */
export const AddressKind = z.enum(['public', 'private', 'loopback', 'link-local', 'unknown']);
export type AddressKind = z.infer<typeof AddressKind>;

/**
 * found: a database holds the address. not-found: the databases hold nothing for it. unavailable: the server has
 * no database to ask (missing, unreadable or turned off). not-applicable: not a public address, nothing to ask.
 */
export const LookupStatus = z.enum(['found', 'not-found', 'unavailable', 'not-applicable']);
export type LookupStatus = z.infer<typeof LookupStatus>;

/** Seen by the server: the requester's address and what the server's databases say about it. */
export const Observed = z.object({
  ip: z.string(),
  kind: AddressKind,
  /** ISO 3166-1 alpha-2, from the GeoIP database. */
  country: z.string().nullable(),
  region: z.string().nullable(),
  city: z.string().nullable(),
  latitude: z.number().nullable(),
  longitude: z.number().nullable(),
  /** The network owner: autonomous system number and its organisation. */
  asn: z.number().int().nonnegative().nullable(),
  asn_name: z.string().nullable(),
  /** "AS15169 Google LLC"; null when the AS is not known. */
  network: z.string().nullable(),
  lookup: LookupStatus,
});
export type Observed = z.infer<typeof Observed>;

/** Claimed by the program: free text and headers the requester chose. Never a reason to trust the request. */
export const Claimed = z.object({
  description: z.string().nullable(),
  user_agent: z.string().nullable(),
  geolocation: Geolocation.nullable(),
  /**
   * The claimed location is more than 500 km from the observed one, or names another country than the observed
   * one. False when either side is not known.
   */
  far_from_observed: z.boolean(),
  /** Kilometres between the claimed and the observed coordinates, rounded; null when either is not known. */
  distance_km: z.number().int().nonnegative().nullable(),
});
export type Claimed = z.infer<typeof Claimed>;

/**
 * first-session: the key has no approved session to compare with. new-country / new-network / new-user-agent /
 * new-installation: differs from the key's last approved session (previous and current say how; null = unknown).
 * new-installation: a signed request (§17) whose installation differs from the one of the key's last approved
 * session, when both were signed (as "name (fingerprint)").
 */
export const ChangeKind = z.enum(['first-session', 'new-country', 'new-network', 'new-user-agent', 'new-installation']);
export type ChangeKind = z.infer<typeof ChangeKind>;

export const Change = z.object({
  kind: ChangeKind,
  previous: z.string().nullable(),
  current: z.string().nullable(),
});
export type Change = z.infer<typeof Change>;
