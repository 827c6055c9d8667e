// Requester side: opening a session, polling its approval, introspection and ending a session.
import { z } from 'zod';
import { DisplayText, Id, RequestStatus, Timestamp, Uuid } from './primitives.js';

export const SessionServerCreate = z.strictObject({
  secret: z.string().min(1, 'secret must not be empty').max(512),
  description: DisplayText(200).optional(),
  /** Offline fallback: the current 6-digit TOTP code of one of the key owner's devices (keys that allow it). */
  totp: z
    .string()
    .regex(/^[0-9]{6}$/, 'totp must be the 6-digit code shown by the approver')
    .optional(),
});
export type SessionServerCreate = z.infer<typeof SessionServerCreate>;

/** X-Bunq-Geolocation: "longitude latitude altitude radius country", e.g. "4.89 52.37 0 100 NL". */
export const Geolocation = z.object({
  longitude: z.number().min(-180).max(180),
  latitude: z.number().min(-90).max(90),
  altitude: z.number(),
  radius: z.number().min(0),
  country: z
    .string()
    .regex(/^[A-Z]{2}$/)
    .nullable(),
});
export type Geolocation = z.infer<typeof Geolocation>;

/** Parses the geolocation header; null when absent or malformed (context only, never a reason to refuse). */
export function parseGeolocation(header: string | undefined): Geolocation | null {
  if (!header) return null;
  const parts = header.trim().split(/\s+/);
  if (parts.length < 4 || parts.length > 5) return null;
  const [lon, lat, alt, radius] = parts.slice(0, 4).map(Number);
  const country = parts[4] ? parts[4].toUpperCase() : null;
  const parsed = Geolocation.safeParse({
    longitude: lon,
    latitude: lat,
    altitude: alt,
    radius,
    country,
  });
  return parsed.success ? parsed.data : null;
}

export const Token = z.object({
  id: Id,
  created: Timestamp,
  updated: Timestamp,
  token: z.string(),
});
export const UserApiKey = z.object({
  id: Id,
  display_name: z.string(),
  credential_id: Id,
});

/** 200 from POST /v1/session-server: the session opened at once (ip-only, or a trusted IP). */
export const SessionServerOpened = z.object({
  Response: z.tuple([
    z.object({ Id: z.object({ id: Id }) }),
    z.object({ Token: Token }),
    z.object({ UserApiKey: UserApiKey }),
  ]),
});

export const SessionServerRequest = z.object({
  uuid: Uuid,
  status: RequestStatus,
  expiry_time: Timestamp,
  /**
   * The code the requester shows its user, who types it on the approving device (as many digits as the key's
   * code_length); null when the key asks for no code.
   */
  binding_code: z
    .string()
    .regex(/^[0-9]{1,8}$/)
    .nullable(),
  /** Seconds between polls for clients that do not long-poll. */
  poll_interval: z.number().int().positive(),
  /** True once the session token has been handed out (it is handed out exactly once). */
  token_delivered: z.boolean(),
  /**
   * Whether some approver device of the key's owner has its push stream open now (on any server instance); while
   * false nobody is shown the request. Optional for servers written before it.
   */
  approver_online: z.boolean().optional(),
  /** How many identical attempts this request stands for (same key and address merged while PENDING). */
  repeat_count: z.number().int().positive().optional(),
});
export type SessionServerRequest = z.infer<typeof SessionServerRequest>;

/**
 * 202 from POST /v1/session-server without ?wait: waiting for the owner. (With ?wait the 202 is a status read,
 * SessionServerRequestRead: the request as the wait left it.)
 */
export const SessionServerPending = z.object({
  Response: z.tuple([z.object({ SessionServerRequest })]),
});

export const WaitQuery = z.strictObject({
  wait: z
    .string()
    .regex(/^[0-9]{1,2}$/, 'wait must be a whole number of seconds from 0 to 25')
    .transform(Number)
    .refine((n) => n <= 25, 'wait must be a whole number of seconds from 0 to 25')
    .optional(),
});

/**
 * 200 from GET /v1/session-server-request/{uuid}. The first read after ACCEPTED also carries the new session's
 * Id and Token; every later read says token_delivered: true and carries neither.
 */
export const SessionServerRequestRead = z.object({
  Response: z.union([
    z.tuple([z.object({ SessionServerRequest })]),
    z.tuple([z.object({ SessionServerRequest }), z.object({ Id: z.object({ id: Id }) }), z.object({ Token: Token })]),
  ]),
});
export type SessionServerRequestRead = z.infer<typeof SessionServerRequestRead>;

export const IntrospectBody = z.strictObject({
  token: z.string().min(1).max(512),
});
/** RFC 7662 style: a plain object (no bunq envelope), {active:false} for anything unknown or expired. */
export const IntrospectResult = z.union([
  z.object({
    active: z.literal(true),
    /** The session's id (Id.id of the reply that handed out the token): names it in logs without the token. */
    session_id: Id,
    user_id: Id,
    credential_id: Id,
    ip: z.string(),
    created: Timestamp,
    expires: Timestamp,
  }),
  z.object({ active: z.literal(false) }),
]);
export type IntrospectResult = z.infer<typeof IntrospectResult>;
