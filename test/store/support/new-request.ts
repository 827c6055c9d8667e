// A session request as the store creates it, for store tests: the n-th uuid, from 192.0.2.1, nothing decided or
// observed yet; a test names only what it is about (status, times).
import type { NewSessionRequest } from '../../../server/store/types.js';

export function newRequest(
  n: number,
  fields: Pick<NewSessionRequest, 'credentialId' | 'userId' | 'status' | 'created' | 'expiryTime'> &
    Partial<Pick<NewSessionRequest, 'claimHash'>>,
): NewSessionRequest {
  return {
    uuid: `00000000-0000-4000-8000-${String(n).padStart(12, '0')}`,
    description: null,
    ip: '192.0.2.1',
    ipKnown: false,
    userAgent: null,
    geolocation: null,
    observed: null,
    bindingCode: null,
    bindingChoices: null,
    autoAccepted: false,
    tokenDelivered: false,
    sessionId: null,
    approvedByCode: false,
    wrongCode: false,
    decidedAt: null,
    decidedByDeviceId: null,
    ...fields,
  };
}
