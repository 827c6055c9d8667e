// The operator API (/v1/operator/…): what countersign-admin does, over HTTP for the API provider's backend, with a
// Bearer operator token. Same bunq envelopes and validation rules as the rest of protocol v1.
import { z } from 'zod';
import { CredentialCreate } from './credential.js';
import { DisplayText, Id, Timestamp } from './primitives.js';

export const OperatorUser = z.object({
  id: Id,
  /** The provider's own id for the user (countersign-admin's NAME), unique. */
  name: z.string(),
  created: Timestamp,
  /** When the operator removed the user; null while it exists. */
  removed: Timestamp.nullable(),
});
export type OperatorUser = z.infer<typeof OperatorUser>;

export const OperatorUserCreate = z.strictObject({
  name: DisplayText(100).refine((name) => name.trim().length > 0, 'must not be empty'),
});
export const OperatorUserCreated = z.object({
  Response: z.tuple([z.object({ Id: z.object({ id: Id }) }), z.object({ OperatorUser })]),
});
export const OperatorUserList = z.object({ Response: z.array(z.object({ OperatorUser })) });
export const OperatorUserRemoved = z.object({
  Response: z.tuple([
    z.object({ OperatorUser }),
    z.object({
      OperatorUserRemoval: z.object({ keys_deactivated: z.number().int(), devices_removed: z.number().int() }),
    }),
  ]),
});

/**
 * A key for the user. Without key_sha256 the server makes the key and shows its value once (token_value); with
 * key_sha256 (the SHA-256 of a key the provider already issued, 64 lower-case hex digits) it registers that key and
 * never sees its value (token_value null).
 */
export const OperatorKeyCreate = CredentialCreate.extend({
  key_sha256: z
    .string()
    .regex(/^[0-9a-f]{64}$/, 'must be the SHA-256 of the key as 64 lower-case hex digits')
    .optional(),
});
export type OperatorKeyCreate = z.infer<typeof OperatorKeyCreate>;

/** POST /v1/operator/user/{userID}/pairing-code: the public URL devices reach the server at, for the link. */
export const OperatorPairingCodeCreate = z.strictObject({
  /** Default: the origin the request came to. */
  server: z
    .url({ protocol: /^https?$/ })
    .max(500)
    .describe('The server as devices reach it, e.g. https://countersign.example.com')
    .optional(),
});
