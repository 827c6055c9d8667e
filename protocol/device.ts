// Approver devices: pairing and the device list.
import { z } from 'zod';
import { DisplayText, Id, PublicKey, Timestamp } from './primitives.js';

/** One-time pairing codes: 4 groups of 4 from an alphabet without look-alikes, e.g. "K7QF-3MZP-WX9D-HR2T". */
export const PairingCode = z
  .string()
  .transform((s) => s.trim().toUpperCase())
  .pipe(
    z.string().regex(/^[A-HJ-NP-Z2-9]{4}(-[A-HJ-NP-Z2-9]{4}){3}$/, 'is not a pairing code (like K7QF-3MZP-WX9D-HR2T)'),
  );

export const Platform = z.enum(['linux', 'darwin', 'win32', 'other']);

export const ApproverDeviceCreate = z.strictObject({
  pairing_code: PairingCode,
  public_key: PublicKey,
  name: DisplayText(100).pipe(z.string().min(1, 'name must not be empty')),
  platform: Platform,
});
export type ApproverDeviceCreate = z.input<typeof ApproverDeviceCreate>;

export const ApproverDevice = z.object({
  id: Id,
  user_id: Id,
  /** The user's name, so the approver can label the account. */
  user_name: z.string(),
  name: z.string(),
  platform: Platform,
  created: Timestamp,
  last_seen: Timestamp.nullable(),
});
export type ApproverDevice = z.infer<typeof ApproverDevice>;

/**
 * The device's TOTP secret for the offline code fallback (RFC 6238: HMAC-SHA-1, 6 digits, 30 s), given once, in
 * the pairing reply: base32 as authenticator apps take it, and as an otpauth:// URI.
 */
export const ApproverDeviceTotp = z.object({
  totp_secret: z.string().regex(/^[A-Z2-7]{32}$/),
  otpauth_uri: z.string().startsWith('otpauth://totp/'),
});
export type ApproverDeviceTotp = z.infer<typeof ApproverDeviceTotp>;

export const ApproverDeviceCreated = z.object({
  Response: z.union([
    z.tuple([z.object({ Id: z.object({ id: Id }) }), z.object({ ApproverDevice })]),
    z.tuple([z.object({ Id: z.object({ id: Id }) }), z.object({ ApproverDevice }), z.object({ ApproverDeviceTotp })]),
  ]),
});

/** A pairing link: countersign://pair?server=https%3A%2F%2F…&code=K7QF-3MZP-WX9D-HR2T */
export const PairingLink = z.object({ server: z.url(), code: PairingCode });

export function pairingUrl(server: string, code: string): string {
  const u = new URL('countersign://pair');
  u.searchParams.set('server', server);
  u.searchParams.set('code', code);
  return u.toString();
}

/** Parses a pairing link; throws a zod error with a readable message when it is not one. */
export function parsePairingUrl(link: string): z.infer<typeof PairingLink> {
  let url: URL;
  try {
    url = new URL(link.trim());
  } catch {
    throw new Error('This is not a pairing link (countersign://pair?server=…&code=…).');
  }
  if (url.protocol !== 'countersign:' || (url.hostname !== 'pair' && url.pathname.replace(/^\/+/, '') !== 'pair')) {
    throw new Error('This is not a pairing link (countersign://pair?server=…&code=…).');
  }
  return PairingLink.parse({
    server: url.searchParams.get('server'),
    code: url.searchParams.get('code'),
  });
}

/** POST /v1/user/{userID}/pairing-code (device-signed): an existing device invites another. */
export const PairingCodeIssued = z.object({
  pairing_url: z.string(),
  code: z.string(),
  expires_at: Timestamp,
});
export type PairingCodeIssued = z.infer<typeof PairingCodeIssued>;

/** A device as an enrolment event names it. */
export const DeviceSummary = z.object({ id: Id, name: z.string(), platform: Platform });
export type DeviceSummary = z.infer<typeof DeviceSummary>;

/** The device that made the pairing code or removed a device; null wherever the operator (countersign-admin) did. */
export const DeviceActor = z.object({ device_id: Id, name: z.string() });
export type DeviceActor = z.infer<typeof DeviceActor>;

export const DeviceEventKind = z.enum(['paired', 'removed']);
export type DeviceEventKind = z.infer<typeof DeviceEventKind>;

/**
 * One entry of the user's enrolment audit trail (GET /v1/user/{userID}/device-event), the same facts the stream's
 * device.paired and device.removed messages carry.
 */
export const DeviceEvent = z.object({
  id: Id,
  kind: DeviceEventKind,
  device: DeviceSummary,
  /** paired: the address the new device paired from. removed: the remover's address; null when the operator removed it. */
  ip: z.string().nullable(),
  at: Timestamp,
  /** paired: the device whose invite (pairing code) was used. removed: the device that removed it. Null: the operator. */
  by: DeviceActor.nullable(),
});
export type DeviceEvent = z.infer<typeof DeviceEvent>;

export const DeviceEventList = z.object({ Response: z.array(z.object({ DeviceEvent })) });

export const DeviceEventQuery = z.strictObject({
  count: z
    .string()
    .regex(/^[0-9]{1,3}$/, 'count must be a whole number from 1 to 200')
    .transform(Number)
    .refine((n) => n >= 1 && n <= 200, 'count must be a whole number from 1 to 200')
    .optional(),
  /** Only events older than the event with this id (paging). */
  older_than: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/, 'older_than must be the id of a device event')
    .transform(Number)
    .optional(),
});
