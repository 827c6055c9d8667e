// The exact strings that get signed. Signer and verifier must build them byte for byte alike, so both sides
// call these functions and nothing else builds them.
import type { z } from 'zod';
import type { Decision } from './decision.js';

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

/** The decision evidence: what the owner decided on which request, signed by the device key. */
export function canonicalDecision(uuid: string, decision: Omit<z.infer<typeof Decision>, 'signature'>): string {
  return [
    'countersign-decision-v1',
    uuid,
    decision.decision,
    decision.binding_code ?? '',
    decision.trust_ip ? '1' : '0',
    decision.deactivate_credential ? '1' : '0',
  ].join('\n');
}

/** SHA-256 of the empty string: the body hash of a GET or of the WebSocket upgrade. */
export const EMPTY_BODY_SHA256 = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
