// Requester installations (bunq's POST /installation): a program registers an Ed25519 public key once, with the
// API key it uses, and then signs its session requests and status reads with it. Trust (a grant, §17) can then
// follow the program instead of its IP address. Optional: unsigned requests work as before.
import { z } from 'zod';
import { DisplayText, Id, PublicKey, Timestamp } from './primitives.js';

/** POST /v1/installation, authenticated by the API key in X-Bunq-Client-Authentication. */
export const InstallationCreate = z.strictObject({
  client_public_key: PublicKey,
  name: DisplayText(100).pipe(z.string().min(1, 'name must not be empty')),
});
export type InstallationCreate = z.infer<typeof InstallationCreate>;

/** What a device and the requester see of an installation. */
export const Installation = z.object({
  id: Id,
  /** The key it was registered with: only that key's requests may be signed by it. */
  credential_id: Id,
  name: z.string(),
  /** First 8 bytes of SHA-256 of the raw public key, lower-case hex in four groups: "3f1c-9a52-8d4e-4b7a". */
  fingerprint: z.string().regex(/^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/),
  /** When it was registered (first seen). */
  created: Timestamp,
  /** The last signed request that opened a session or asked for one; null before the first. */
  last_used: Timestamp.nullable(),
  /** Sessions opened by its signed requests (approved, granted or let in by a permitted IP). */
  sessions_opened: z.number().int().nonnegative(),
});
export type Installation = z.infer<typeof Installation>;

export const InstallationCreated = z.object({
  Response: z.tuple([z.object({ Id: z.object({ id: Id }) }), z.object({ Installation })]),
});

/** An installation as the approval card shows it: `new_program` is true until one of its sessions has opened. */
export const ApprovalInstallation = Installation.pick({
  id: true,
  name: true,
  fingerprint: true,
  created: true,
  sessions_opened: true,
}).extend({ new_program: z.boolean() });
export type ApprovalInstallation = z.infer<typeof ApprovalInstallation>;
