// Small shared building blocks of the wire contract. Pure zod + string logic: no Node APIs here, so the
// renderer bundle (through the IPC contract) may import these files too.
import { z } from 'zod';
import { canonicalBase64Url } from './base64url.js';

/** ISO 8601 UTC timestamp as it appears in JSON, e.g. "2026-11-23T08:30:00.000Z". */
export const Timestamp = z.iso.datetime({ offset: false }).describe('ISO 8601 UTC timestamp');

/** Numeric ids of stored objects (users, credentials, IPs, devices, sessions), as bunq uses. */
export const Id = z.number().int().positive();
export const IdParam = z
  .string()
  .regex(/^[1-9][0-9]{0,15}$/, 'must be a positive whole number')
  .transform(Number);

/** Session-server request ids are random UUIDs (v4), so they cannot be guessed or enumerated. */
export const Uuid = z.uuid();

/** Raw 32-byte Ed25519 public key → 43 base64url characters, canonical only (protocol/base64url.ts). */
export const PublicKey = canonicalBase64Url(32, 'the 32-byte Ed25519 public key');
/** 64-byte Ed25519 signature → 86 base64url characters, canonical only (protocol/base64url.ts). */
export const Signature = canonicalBase64Url(64, 'a 64-byte Ed25519 signature');

export const KeyMode = z.enum(['ip-only', 'push', 'push-unless-trusted']);
export type KeyMode = z.infer<typeof KeyMode>;

/**
 * bunq's credential statuses plus LOCKED (three blocks within ten minutes). PENDING_FIRST_USE becomes ACTIVE
 * at the first session that opens with the key.
 */
export const CredentialStatus = z.enum(['PENDING_FIRST_USE', 'ACTIVE', 'INACTIVE', 'LOCKED']);
export type CredentialStatus = z.infer<typeof CredentialStatus>;

export const IpStatus = z.enum(['ACTIVE', 'INACTIVE']);
export type IpStatus = z.infer<typeof IpStatus>;

export const RequestStatus = z.enum(['PENDING', 'ACCEPTED', 'REJECTED', 'EXPIRED']);
export type RequestStatus = z.infer<typeof RequestStatus>;

const IPV4 = /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
// Full and compressed IPv6, with an optional embedded IPv4 tail. Validated structurally in isIpv6().
function isIpv6(value: string): boolean {
  if (value.length > 45 || !/^[0-9a-fA-F:.]+$/.test(value)) return false;
  let text = value;
  let groupsNeeded = 8;
  const lastColon = text.lastIndexOf(':');
  if (text.includes('.')) {
    if (!IPV4.test(text.slice(lastColon + 1))) return false;
    text = `${text.slice(0, lastColon + 1)}0`;
    groupsNeeded = 7;
  }
  const halves = text.split('::');
  if (halves.length > 2) return false;
  const parts = (h: string) => (h === '' ? [] : h.split(':'));
  const head = parts(halves[0] ?? '');
  const tail = halves.length === 2 ? parts(halves[1] ?? '') : [];
  const groups = [...head, ...tail];
  if (!groups.every((g) => /^[0-9a-fA-F]{1,4}$/.test(g))) return false;
  const count = groups.length + (groupsNeeded === 7 ? 1 : 0);
  return halves.length === 2 ? count < 8 : count === 8;
}

/** True for a literal IPv4 or IPv6 address (no CIDR, no zone id). */
export function isIpAddress(value: string): boolean {
  return IPV4.test(value) || isIpv6(value);
}

/** A permitted IP as bunq takes it: one address, or "*" for any address. */
export const PermittedIpValue = z
  .string()
  .max(45)
  .superRefine((v, ctx) => {
    // A zone id names an interface of the machine that wrote it, not an address anyone connects from.
    if (v.includes('%'))
      ctx.addIssue({ code: 'custom', message: 'must not carry an IPv6 zone id ("%…"); give the address alone' });
    else if (v !== '*' && !isIpAddress(v))
      ctx.addIssue({ code: 'custom', message: 'must be an IPv4 or IPv6 address, or "*" for any address' });
  });

/**
 * Free text shown to the key owner: printable, no control characters. A prompt must not be able to spoof lines, nor
 * reorder what the owner reads: the bidirectional controls (LRM/RLM/ALM, embeddings, overrides, isolates) are
 * refused too — "\u202Emoc.knab" would show as "bank.com". Right-to-left scripts themselves are fine.
 */
export const DisplayText = (max: number) =>
  z
    .string()
    .max(max, `must be at most ${max} characters`)
    .refine(
      // biome-ignore lint/suspicious/noControlCharactersInRegex: rejecting control characters is the point
      (v) => !/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]/.test(v),
      'must not contain control characters',
    );
