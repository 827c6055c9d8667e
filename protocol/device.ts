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
