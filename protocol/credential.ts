// credential-password-ip, field for field as in bunq's API, plus our extensions: name, mode,
// number_matching, last_used, permitted_ip_count.
import { z } from 'zod';
import { CredentialStatus, DisplayText, Id, IpStatus, KeyMode, PermittedIpValue, Timestamp } from './primitives.js';

export const PermittedDevice = z.object({
  description: z.string(),
  ip: z.string(),
});

export const CredentialPasswordIp = z.object({
  id: Id,
  created: Timestamp,
  updated: Timestamp,
  status: CredentialStatus,
  /** While PENDING_FIRST_USE: when the unused key expires. Otherwise null. */
  expiry_time: Timestamp.nullable(),
  /**
   * The API key itself. Present only in the reply that creates the key: the server keeps only a hash, so
   * later reads (even while PENDING_FIRST_USE) carry null.
   */
  token_value: z.string().nullable(),
  /** When ACTIVE: the program that last opened a session with the key (its description and IP). */
  permitted_device: PermittedDevice.nullable(),
  name: z.string(),
  mode: KeyMode,
  /** Kept for older devices: true when code_length is above 0. */
  number_matching: z.boolean(),
  /**
   * Digits of the code the requester shows and the owner types to approve (0: no code, for unattended bots whose
   * output nobody reads). Optional for servers written before typed codes.
   */
  code_length: z.number().int().min(0).max(8).optional(),
  last_used: Timestamp.nullable(),
  permitted_ip_count: z.number().int().nonnegative(),
  /** Whether a TOTP code from the owner's desktop may open a session in place of a push approval (default off). */
  allow_code_fallback: z.boolean().optional(),
});
export type CredentialPasswordIp = z.infer<typeof CredentialPasswordIp>;

export const CredentialPasswordIpItem = z.object({ CredentialPasswordIp });
export const CredentialPasswordIpList = z.object({
  Response: z.array(CredentialPasswordIpItem),
});
export const CredentialPasswordIpRead = z.object({
  Response: z.tuple([CredentialPasswordIpItem]),
});

/** Extension: POST /v1/user/{userID}/credential-password-ip — the reply shows token_value once. */
const CodeLength = z
  .number()
  .int('code_length must be a whole number from 0 to 8')
  .min(0, 'code_length must be a whole number from 0 to 8')
  .max(8, 'code_length must be a whole number from 0 to 8');

export const CredentialCreate = z.strictObject({
  name: DisplayText(100).pipe(z.string().min(1, 'name must not be empty')),
  mode: KeyMode,
  /** Without code_length: true (or absent) asks for a 3-digit code, false for none. */
  number_matching: z.boolean().optional(),
  code_length: CodeLength.optional(),
  ips: z.array(PermittedIpValue).max(100).optional(),
  allow_code_fallback: z.boolean().optional(),
});
export type CredentialCreate = z.infer<typeof CredentialCreate>;
export const CredentialCreated = z.object({
  Response: z.tuple([z.object({ Id: z.object({ id: Id }) }), CredentialPasswordIpItem]),
});

/** Extension: PUT /v1/user/{userID}/credential-password-ip/{id}. ACTIVE also lifts a lock. */
export const CredentialUpdate = z
  .strictObject({
    status: z.enum(['ACTIVE', 'INACTIVE']).optional(),
    mode: KeyMode.optional(),
    name: DisplayText(100).pipe(z.string().min(1, 'name must not be empty')).optional(),
    /** Without code_length: true asks for a 3-digit code (a key that has one keeps its length), false for none. */
    number_matching: z.boolean().optional(),
    code_length: CodeLength.optional(),
    allow_code_fallback: z.boolean().optional(),
  })
  .refine(
    (u) => Object.keys(u).length > 0,
    'give at least one of status, mode, name, number_matching, code_length, allow_code_fallback',
  );
export type CredentialUpdate = z.infer<typeof CredentialUpdate>;
export const CredentialUpdated = CredentialCreated;

export const PermittedIp = z.object({
  id: Id,
  created: Timestamp,
  updated: Timestamp,
  ip: z.string(),
  status: IpStatus,
});
export type PermittedIp = z.infer<typeof PermittedIp>;
export const PermittedIpItem = z.object({ PermittedIp });
export const PermittedIpList = z.object({ Response: z.array(PermittedIpItem) });
export const PermittedIpRead = z.object({
  Response: z.tuple([PermittedIpItem]),
});

/** POST …/ip (bunq's PermittedIp body). */
export const PermittedIpCreate = z.strictObject({
  ip: PermittedIpValue,
  status: IpStatus.optional(),
});
/** PUT …/ip/{itemId}: only the status changes; an ip that differs from the stored one is refused (immutable). */
export const PermittedIpUpdate = z.strictObject({
  status: IpStatus,
  ip: z.string().optional(),
});
/** Both create and update answer with bunq's {"Id":{"id"}}. */
export const PermittedIpCreated = z.object({
  Response: z.tuple([z.object({ Id: z.object({ id: Id }) })]),
});
