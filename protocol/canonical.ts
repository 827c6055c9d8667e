// The exact strings that get signed. Signer and verifier must build them byte for byte alike, so both sides
// call these functions and nothing else builds them.
import type { z } from 'zod';
import type { Decision } from './decision.js';
import { canonicalScope } from './grant.js';

/** Device request signing: every device HTTP call and the WebSocket upgrade. */
export function canonicalRequest(args: {
  method: string;
  /** Path with query string exactly as sent, e.g. "/v1/user/1/credential-password-ip?x=1". */
  pathWithQuery: string;
  /** Unix milliseconds, as sent in X-Countersign-Timestamp. */
  timestamp: string;
  /** Lower-case hex SHA-256 of the raw body bytes ("" for no body). */
  bodySha256Hex: string;
}): string {
  return ['countersign-req-v1', args.method.toUpperCase(), args.pathWithQuery, args.timestamp, args.bodySha256Hex].join(
    '\n',
  );
}

/**
 * Requester installation signing: POST /v1/session-server and the status reads of a requester that registered an
 * installation. Its own first line, so that a device signature can never pass as a requester's or the reverse.
 */
export function canonicalRequesterRequest(args: {
  method: string;
  pathWithQuery: string;
  timestamp: string;
  bodySha256Hex: string;
}): string {
  return [
    'countersign-requester-v1',
    args.method.toUpperCase(),
    args.pathWithQuery,
    args.timestamp,
    args.bodySha256Hex,
  ].join('\n');
}

/**
 * The decision evidence: what the owner decided on which request, signed by the device key. Without a scope it is
 * the six lines of v1, unchanged, so devices that send no scope keep working; with one (even "session") it is v2:
 * the same lines under "countersign-decision-v2" and a seventh, the scope ("kind|duration|max_uses").
 */
export function canonicalDecision(uuid: string, decision: Omit<z.infer<typeof Decision>, 'signature'>): string {
  const lines = [
    decision.scope === undefined ? 'countersign-decision-v1' : 'countersign-decision-v2',
    uuid,
    decision.decision,
    decision.binding_code ?? '',
    decision.trust_ip ? '1' : '0',
    decision.deactivate_credential ? '1' : '0',
  ];
  if (decision.scope !== undefined) lines.push(canonicalScope(decision.scope));
  return lines.join('\n');
}

/** SHA-256 of the empty string: the body hash of a GET or of the WebSocket upgrade. */
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
