// The owner's decision on a PENDING request, signed by the device key and kept by the server as evidence.
import { z } from 'zod';
import { DecisionScope, GrantedBy } from './grant.js';
import { ApprovalInstallation } from './installation.js';
import { Id, RequestStatus, Signature, Timestamp, Uuid } from './primitives.js';
import { Observed } from './context.js';
import { Geolocation } from './session.js';

export const DecisionKind = z.enum(['APPROVE', 'BLOCK']);
export type DecisionKind = z.infer<typeof DecisionKind>;

export const Decision = z
  .strictObject({
    decision: DecisionKind,
    /** The code the owner typed (the one the requesting program shows); covered by the signature. */
    binding_code: z
      .string()
      .regex(/^[0-9]{1,8}$/, 'binding_code must be the code the program shows: 1 to 8 digits')
      .optional(),
    trust_ip: z.boolean().optional(),
    deactivate_credential: z.boolean().optional(),
    /** APPROVE only: what the approval covers besides this session (absent: this session only). Signed (v2). */
    scope: DecisionScope.optional(),
    signature: Signature,
  })
  .refine((d) => !(d.decision === 'APPROVE' && d.deactivate_credential), {
    message: 'deactivate_credential goes only with BLOCK',
  })
  .refine((d) => !(d.decision === 'BLOCK' && d.trust_ip), {
    message: 'trust_ip goes only with APPROVE',
  })
  .refine((d) => !(d.decision === 'BLOCK' && d.scope !== undefined && d.scope.kind !== 'session'), {
    message: 'a grant goes only with APPROVE',
    path: ['scope'],
  })
  .refine((d) => !(d.trust_ip && d.scope !== undefined && d.scope.kind !== 'session' && d.scope.kind !== 'permit-ip'), {
    message: 'trust_ip is scope permit-ip; give one scope',
    path: ['scope'],
  });
export type Decision = z.infer<typeof Decision>;

/**
 * 200 from POST …/decision. A wrong typed code (binding_code) on APPROVE is the owner being tricked into approving
 * someone else's request: the request ends REJECTED, binding_mismatch says why, and it counts toward the lock.
 */
export const DecisionResult = z.object({
  Response: z.tuple([
    z.object({
      SessionServerRequest: z.object({
        uuid: Uuid,
        status: RequestStatus,
        binding_mismatch: z.boolean(),
      }),
    }),
  ]),
});

/** One row of GET /v1/user/{userID}/session-server-request (history), newest first. */
export const SessionRequestHistoryEntry = z.object({
  uuid: Uuid,
  credential: z.object({ id: Id, name: z.string() }),
  status: RequestStatus,
  description: z.string().nullable(),
  ip: z.string(),
  user_agent: z.string().nullable(),
  geolocation: Geolocation.nullable(),
  created: Timestamp,
  expiry_time: Timestamp,
  decided_at: Timestamp.nullable(),
  decided_by_device_id: Id.nullable(),
  decision: DecisionKind.nullable(),
  trust_ip: z.boolean(),
  deactivate_credential: z.boolean(),
  binding_mismatch: z.boolean(),
  /** Whether the session opened without asking (ip-only or a trusted IP): then status is ACCEPTED, decision null. */
  auto_accepted: z.boolean(),
  /** Opened by a TOTP code (offline fallback); decided_by_device_id names the device whose code it was. */
  approved_by_code: z.boolean().optional(),
  /** Refused for a wrong or already used TOTP code; counts toward the lock like a BLOCK. */
  wrong_code: z.boolean().optional(),
  /** The requester installation that signed the request; null for an unsigned one. */
  installation: ApprovalInstallation.pick({ id: true, name: true, fingerprint: true }).nullable().optional(),
  /** What opened the session without a question (a grant, a permitted IP); null when asked, by code, or refused. */
  granted_by: GrantedBy.nullable().optional(),
  /** The grant this request's approval made (its scope); null for none. */
  grant_created: Id.nullable().optional(),
  /** Seen by the server when the request came in (as in approval.requested). */
  observed: Observed.optional(),
  /** How many identical attempts the request stood for. */
  repeat_count: z.number().int().positive().optional(),
});
export type SessionRequestHistoryEntry = z.infer<typeof SessionRequestHistoryEntry>;
export const SessionRequestHistory = z.object({
  Response: z.array(z.object({ SessionServerRequest: SessionRequestHistoryEntry })),
});
export const HistoryQuery = z.strictObject({
  status: RequestStatus.optional(),
  credential_id: z
    .string()
    .regex(/^[1-9][0-9]{0,15}$/)
    .transform(Number)
    .optional(),
  /** Only entries older than this uuid's entry (paging). */
  older_than: Uuid.optional(),
  count: z
    .string()
    .regex(/^[0-9]{1,3}$/)
    .transform(Number)
    .refine((n) => n >= 1 && n <= 200, 'count must be 1 to 200')
    .optional(),
});
