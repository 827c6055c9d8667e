// Messages on the push stream WebSocket /v1/approver-device/{id}/stream. Each frame is one JSON object with a type.
import { z } from 'zod';
import { Change, Claimed, Observed } from './context.js';
import { DeviceActor, DeviceSummary } from './device.js';
import { Grant, GrantedBy } from './grant.js';
import { ApprovalInstallation } from './installation.js';
import { Id, KeyMode, RequestStatus, Timestamp, Uuid } from './primitives.js';
import { Geolocation } from './session.js';

/**
 * What the owner sees about a PENDING request. This server always sends observed, claimed, changes, repeat_count and
 * code_length; they are optional only so that a device still reads messages of a server from before them.
 */
export const ApprovalRequest = z.object({
  uuid: Uuid,
  credential: z.object({ id: Id, name: z.string(), mode: KeyMode }),
  /** Seen by the server: facts about the requester's address. */
  observed: Observed.optional(),
  /** Claimed by the program: what the requester wrote about itself. */
  claimed: Claimed.optional(),
  /** What differs from the key's last approved session; [first-session] for a key never approved. */
  changes: z.array(Change).optional(),
  /** How many identical attempts (same key and address) this one request stands for: 1, or more when merged. */
  repeat_count: z.number().int().positive().optional(),
  /**
   * Digits of the code the owner must type to approve: the program shows it, the device is never told it. 0: the
   * key asks for no code.
   */
  code_length: z.number().int().min(0).optional(),
  /** Kept for devices written before `claimed`: the same values as claimed.description, user_agent, geolocation. */
  description: z.string().nullable(),
  ip: z.string(),
  /** True when the IP is ACTIVE for this key (known); false means a new IP for this key. */
  ip_known: z.boolean(),
  user_agent: z.string().nullable(),
  geolocation: Geolocation.nullable(),
  created: Timestamp,
  expiry_time: Timestamp,
  /**
   * Always null: the owner types the code instead of picking it among three (showing the choices would show the
   * answer). Kept so that devices written before typed codes still parse the message.
   */
  binding_choices: z
    .array(z.string().regex(/^[0-9]{2}$/))
    .length(3)
    .nullable(),
  /**
   * The requester installation that signed the request (its name, fingerprint, when first seen, how many of its
   * sessions opened, and new_program until the first did); null for an unsigned request. A scope "installation"
   * is possible only when this is set.
   */
  installation: ApprovalInstallation.nullable().optional(),
});
export type ApprovalRequest = z.infer<typeof ApprovalRequest>;

export const ServerMessage = z.discriminatedUnion('type', [
  /** First message after the upgrade. client_ip is the device's address as the server sees it. */
  z.object({
    type: z.literal('hello'),
    device_id: Id,
    user_id: Id,
    client_ip: z.string(),
    server_time: Timestamp,
    ping_interval_ms: z.number().int().positive(),
  }),
  z.object({ type: z.literal('approval.requested'), request: ApprovalRequest }),
  z.object({
    type: z.literal('approval.resolved'),
    uuid: Uuid,
    status: RequestStatus,
  }),
  /** A key got locked after repeated blocks or wrong codes: tell the owner why, and how many sessions it ended. */
  z.object({
    type: z.literal('credential.locked'),
    credential: z.object({ id: Id, name: z.string() }),
    reason: z.string(),
    /** The key's open sessions the lock ended (the reason says it in words too). */
    sessions_ended: z.number().int().min(0),
  }),
  /**
   * A new device was paired for the user (sent to the user's other devices). event_id is the audit trail entry's id
   * (GET /v1/user/{userID}/device-event): the same event may be sent twice, so a device shows each id once.
   */
  z.object({
    type: z.literal('device.paired'),
    event_id: Id,
    device: DeviceSummary,
    /** The address the new device paired from, as the server saw it. */
    ip: z.string(),
    at: Timestamp,
    /** The device whose pairing code was used; null for a code from the operator (countersign-admin pair). */
    invited_by: DeviceActor.nullable(),
  }),
  /** A device of the user was removed (sent to the user's remaining devices). */
  z.object({
    type: z.literal('device.removed'),
    event_id: Id,
    device: DeviceSummary,
    /** The device that removed it (the device itself when it unpaired); null for the operator (countersign-admin). */
    removed_by: DeviceActor.nullable(),
    /** The remover's address as the server saw it; null when the operator removed it. */
    ip: z.string().nullable(),
    at: Timestamp,
  }),
  /**
   * A session opened without asking the owner: under a grant, or because the IP is permitted for the key. For a
   * quiet, batched notice ("2 sessions opened for ci-bot under 'runner-3, 8 h'"). May come twice: show each
   * request_uuid once.
   */
  z.object({
    type: z.literal('session.opened'),
    request_uuid: Uuid,
    credential: z.object({ id: Id, name: z.string() }),
    ip: z.string(),
    installation: z.object({ id: Id, name: z.string(), fingerprint: z.string() }).nullable(),
    granted_by: GrantedBy,
    at: Timestamp,
  }),
  /**
   * A grant of the user was created, used (uses changed) or revoked. `grant` is its current state, read when the
   * message was made: keep the grant by id and replace it, so a repeated or late message changes nothing wrong.
   */
  z.object({
    type: z.literal('grant.changed'),
    change: z.enum(['created', 'used', 'revoked']),
    grant: Grant,
  }),
  z.object({ type: z.literal('ping'), t: z.number().int() }),
]);
export type ServerMessage = z.infer<typeof ServerMessage>;

/** The device answers pings; anything else from the device closes the stream with 4400. */
export const ClientMessage = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('pong'), t: z.number().int() }),
]);
export type ClientMessage = z.infer<typeof ClientMessage>;
