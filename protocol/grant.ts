// Grants: an approval that covers more than one session — the sessions of one requester installation, or from one
// network, or from anywhere, for a time window and optionally at most N sessions. Made with a decision's scope
// (§7) or pre-authorised by a device (§17); listed, revoked and told to every device of the user.
import { z } from 'zod';
import { Id, Timestamp, Uuid } from './primitives.js';

/** How long a grant made with a decision lasts. */
export const GrantDuration = z.enum(['1h', '8h', '24h', '7d']);
export type GrantDuration = z.infer<typeof GrantDuration>;
export const GRANT_DURATION_MINUTES: Record<GrantDuration, number> = { '1h': 60, '8h': 480, '24h': 1440, '7d': 10080 };

/** The most sessions one grant may count; larger numbers are "no limit", which is max_uses left out. */
export const MAX_GRANT_USES = 10_000;
/** The longest a grant lasts: 7 days. */
export const MAX_GRANT_MINUTES = 10_080;

const MaxUses = z
  .number()
  .int()
  .min(1, 'max_uses must be at least 1')
  .max(MAX_GRANT_USES, `max_uses must be at most ${MAX_GRANT_USES}`);

/**
 * The decision body's `scope` (APPROVE only). Absent means `session`. `installation` needs a request signed by a
 * requester installation; `network` covers the request's /24 (IPv4) or /64 (IPv6) and lasts at most 24 h;
 * `permit-ip` adds the request's IP to the key's permitted IPs, permanently (as trust_ip does).
 */
export const DecisionScope = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.literal('session') }),
  z.strictObject({ kind: z.literal('installation'), duration: GrantDuration, max_uses: MaxUses.optional() }),
  z.strictObject({
    kind: z.literal('network'),
    duration: GrantDuration.exclude(['7d'], { message: 'a network grant lasts 1h, 8h or 24h' }),
    max_uses: MaxUses.optional(),
  }),
  z.strictObject({ kind: z.literal('permit-ip') }),
]);
export type DecisionScope = z.infer<typeof DecisionScope>;

/** The line the scope adds to the canonical decision string (v2): "kind|duration|max_uses", empty parts empty. */
export function canonicalScope(scope: DecisionScope): string {
  const duration = scope.kind === 'installation' || scope.kind === 'network' ? scope.duration : '';
  const uses =
    (scope.kind === 'installation' || scope.kind === 'network') && scope.max_uses !== undefined
      ? String(scope.max_uses)
      : '';
  return `${scope.kind}|${duration}|${uses}`;
}

export const GrantKind = z.enum(['installation', 'network', 'anywhere']);
export type GrantKind = z.infer<typeof GrantKind>;

/** IPv4 or IPv6 network in CIDR notation (the address part is the network's first address). */
const Cidr = z.string().max(50);

/**
 * POST /v1/user/{userID}/credential-password-ip/{itemId}/grant: pre-authorise without a pending request. At least
 * one of `minutes` and `max_uses`; without `minutes` the grant lasts the longest time (7 days).
 */
export const GrantCreate = z
  .strictObject({
    scope: GrantKind,
    /** scope installation: the installation, which must be registered with this key. */
    installation_id: Id.optional(),
    /** scope network: e.g. "203.0.113.0/24", "2001:db8:1:2::/64" (IPv4 prefix 8–32, IPv6 32–128). */
    network: Cidr.optional(),
    minutes: z
      .number()
      .int()
      .min(1, 'minutes must be at least 1')
      .max(MAX_GRANT_MINUTES, `minutes must be at most ${MAX_GRANT_MINUTES} (7 days)`)
      .optional(),
    max_uses: MaxUses.optional(),
  })
  .refine((g) => g.minutes !== undefined || g.max_uses !== undefined, {
    message: 'give minutes, max_uses or both',
  })
  .refine((g) => (g.scope === 'installation') === (g.installation_id !== undefined), {
    message: 'installation_id goes with scope installation, and scope installation needs it',
    path: ['installation_id'],
  })
  .refine((g) => (g.scope === 'network') === (g.network !== undefined), {
    message: 'network goes with scope network, and scope network needs it',
    path: ['network'],
  });
export type GrantCreate = z.infer<typeof GrantCreate>;

export const GrantStatus = z.enum(['ACTIVE', 'EXPIRED', 'USED_UP', 'REVOKED']);
export type GrantStatus = z.infer<typeof GrantStatus>;

export const Grant = z.object({
  id: Id,
  credential_id: Id,
  scope: GrantKind,
  /** scope installation: the installation it covers. */
  installation: z.object({ id: Id, name: z.string(), fingerprint: z.string() }).nullable(),
  /** scope network: the network it covers, CIDR. */
  network: z.string().nullable(),
  /** ACTIVE while it still lets sessions in; the others say why not. */
  status: GrantStatus,
  created: Timestamp,
  /** The device that made it (with a decision or pre-authorised). */
  created_by_device_id: Id,
  /** The request whose approval made it; null when pre-authorised. */
  request_uuid: Uuid.nullable(),
  expires_at: Timestamp,
  max_uses: z.number().int().positive().nullable(),
  /** Sessions it has opened. */
  uses: z.number().int().nonnegative(),
  /** max_uses - uses; null without max_uses. */
  uses_left: z.number().int().nonnegative().nullable(),
  last_used: Timestamp.nullable(),
  revoked_at: Timestamp.nullable(),
  /** The device that revoked it; null when the grant ended with its key (deactivated) or is not revoked. */
  revoked_by_device_id: Id.nullable(),
});
export type Grant = z.infer<typeof Grant>;

export const GrantItem = z.object({ Grant });
export const GrantList = z.object({ Response: z.array(GrantItem) });
export const GrantCreated = z.object({ Response: z.tuple([z.object({ Id: z.object({ id: Id }) }), GrantItem]) });

/** DELETE …/grant/{grantId}?end_sessions=true also ends the sessions the grant opened. */
export const GrantRevokeQuery = z.strictObject({
  end_sessions: z.enum(['true', 'false'], { message: 'end_sessions must be true or false' }).optional(),
});
export const GrantRevoked = z.object({
  Response: z.tuple([GrantItem, z.object({ SessionsEnded: z.object({ count: z.number().int().nonnegative() }) })]),
});

/** GET …/grant: live grants only unless ?status=all. */
export const GrantListQuery = z.strictObject({
  status: z.enum(['live', 'all'], { message: 'status must be live or all' }).optional(),
});

/**
 * POST /v1/user/{userID}/credential-password-ip/{itemId}/this-was-not-me: the owner did not open the sessions the
 * key's grants or permitted IPs let in. Revokes every live grant of the key, deactivates the key (its PENDING
 * requests are refused) and ends every open session of it, in one transaction.
 */
export const NotMeResult = z.object({
  Response: z.tuple([
    z.object({
      NotMe: z.object({
        credential_id: Id,
        grants_revoked: z.number().int().nonnegative(),
        sessions_ended: z.number().int().nonnegative(),
        requests_rejected: z.number().int().nonnegative(),
      }),
    }),
  ]),
});

/** What let a session in without a question to the owner (history and session.opened). */
export const GrantedBy = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('grant'), grant_id: Id }),
  /** The permitted IP entry that matched: an address, or "*". */
  z.object({ kind: z.literal('permitted_ip'), ip: z.string() }),
]);
export type GrantedBy = z.infer<typeof GrantedBy>;
