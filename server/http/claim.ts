// X-Countersign-Claim: a secret the requester makes for its own request and sends on the POST and on every status
// read. Only its SHA-256 is kept. It binds the request to its opener, and lets that opener collect a token reply
// that got lost (see approvals.readStatus). Absent: the request is unbound, as before.
import type { FastifyRequest } from 'fastify';
import { CLAIM_PATTERN, ErrorText, Header } from '../../protocol/index.js';
import { hashSecret } from '../secrets.js';
import { ApiError } from './api-error.js';

/** The claim's hash, null when none was sent; 400 for a malformed or repeated header. */
export function claimHashOf(request: FastifyRequest): string | null {
  const value = request.headers[Header.CLAIM];
  if (value === undefined) return null;
  if (typeof value !== 'string' || !CLAIM_PATTERN.test(value)) throw new ApiError(400, ErrorText.CLAIM_INVALID);
  return hashSecret(value);
}
