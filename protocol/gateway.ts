// What countersign-gateway answers a script with, when it answers itself instead of forwarding to the upstream.
// Every such reply is a bunq error envelope (envelope.ts) with one of these texts; scripts may match on them.

export const GatewayErrorText = {
  /** Missing, unknown, expired or ended session, or a session of a key this upstream is not bound to: one text. */
  SESSION_REQUIRED:
    'X-Bunq-Client-Authentication must carry a live Countersign session token of a key bound to this upstream.',
  NO_UPSTREAM: 'No upstream is configured for this path.',
  METHOD_NOT_ALLOWED: 'This session may not use this method on this upstream.',
  PATH_NOT_ALLOWED: 'This session may not use this path on this upstream.',
  SESSION_RATE_LIMITED: 'Too many requests through the gateway for this session. Slow down and try again shortly.',
  BODY_TOO_LARGE: 'The request body is larger than this gateway forwards.',
  BAD_PATH: 'The request path may not contain "..".',
  APPROVAL_SERVER_UNREACHABLE: 'The gateway cannot check the session with the approval server right now.',
} as const;

/** 502/504 texts name the upstream (its configured name, never its secret) and what went wrong. */
export function upstreamUnreachableText(upstream: string, reason: string): string {
  return `The upstream "${upstream}" cannot be reached: ${reason}.`;
}

export function upstreamTimeoutText(upstream: string, seconds: number): string {
  return `The upstream "${upstream}" did not answer within ${seconds} s.`;
}
