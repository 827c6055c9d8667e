// Stored rows as the protocol shows them: times as ISO 8601, field names as on the wire.
import type {
  ApprovalRequest,
  ApproverDevice,
  Claimed,
  CredentialPasswordIp,
  Observed,
  OperatorUser,
  PermittedIp,
  ServerMessage,
  SessionRequestHistoryEntry,
  SessionServerRequest,
  SessionServerRequestRead,
} from '../../protocol/index.js';
import { Limits } from '../../protocol/index.js';
import { addressKind } from '../geoip/address-kind.js';
import { distanceKm } from '../geoip/distance.js';
import type {
  CredentialLockRow,
  CredentialRow,
  DeviceRow,
  PermittedIpRow,
  SessionRequestRow,
  SessionRow,
  UserRow,
} from '../store/types.js';
import { approvalInstallationView, grantedBy, installationRef } from './grant-views.js';

export function iso(time: number): string {
  return new Date(time).toISOString();
}

function isoOrNull(time: number | null): string | null {
  return time === null ? null : iso(time);
}

export function credentialView(row: CredentialRow, tokenValue: string | null = null): CredentialPasswordIp {
  return {
    id: row.id,
    created: iso(row.created),
    updated: iso(row.updated),
    status: row.status,
    expiry_time: row.status === 'PENDING_FIRST_USE' ? isoOrNull(row.expiryTime) : null,
    token_value: tokenValue,
    permitted_device:
      row.status === 'ACTIVE' && row.permittedDeviceIp !== null
        ? { description: row.permittedDeviceDescription ?? '', ip: row.permittedDeviceIp }
        : null,
    name: row.name,
    mode: row.mode,
    number_matching: row.codeLength > 0,
    code_length: row.codeLength,
    allow_code_fallback: row.allowCodeFallback,
    last_used: isoOrNull(row.lastUsed),
    permitted_ip_count: row.permittedIpCount,
  };
}

export function permittedIpView(row: PermittedIpRow): PermittedIp {
  return { id: row.id, created: iso(row.created), updated: iso(row.updated), ip: row.ip, status: row.status };
}

export function sessionServerRequestView(row: SessionRequestRow, approverOnline: boolean): SessionServerRequest {
  return {
    uuid: row.uuid,
    status: row.status,
    expiry_time: iso(row.expiryTime),
    binding_code: row.bindingCode,
    poll_interval: Limits.POLL_INTERVAL_SECONDS,
    token_delivered: row.tokenDelivered,
    approver_online: approverOnline,
    repeat_count: row.repeatCount,
  };
}

/**
 * A status read's reply items: the request, and — on the one read that hands out the token — the session's Id and
 * Token.
 */
export function statusReadItems(
  row: SessionRequestRow,
  approverOnline: boolean,
  opened: { session: SessionRow; token: string } | null,
): SessionServerRequestRead['Response'] {
  const item = { SessionServerRequest: sessionServerRequestView(row, approverOnline) };
  if (!opened) return [item];
  const { session, token } = opened;
  return [
    item,
    { Id: { id: session.id } },
    { Token: { id: session.id, created: iso(session.created), updated: iso(session.created), token } },
  ];
}

/** Seen by the server: the kind follows from the address; the rest is what the lookup found when it came in. */
export function observedView(row: Pick<SessionRequestRow, 'ip' | 'observed'>): Observed {
  const o = row.observed;
  return {
    ip: row.ip,
    kind: addressKind(row.ip),
    country: o?.country ?? null,
    region: o?.region ?? null,
    city: o?.city ?? null,
    latitude: o?.latitude ?? null,
    longitude: o?.longitude ?? null,
    asn: o?.asn ?? null,
    asn_name: o?.asnName ?? null,
    network: o?.asn === null || o?.asn === undefined ? null : `AS${o.asn}${o.asnName ? ` ${o.asnName}` : ''}`,
    // A row from before the server looked addresses up has nothing to show.
    lookup: o?.lookup ?? (addressKind(row.ip) === 'public' ? 'unavailable' : 'not-applicable'),
  };
}

/**
 * Claimed by the program, with the one check the server can make: is the claimed place near the place the address
 * shows (within 500 km, and the same country when both name one)?
 */
export function claimedView(
  row: Pick<SessionRequestRow, 'description' | 'userAgent' | 'geolocation'>,
  observed: Observed,
): Claimed {
  const claim = row.geolocation;
  const known = claim !== null && observed.latitude !== null && observed.longitude !== null;
  const distance = known
    ? Math.round(distanceKm(claim, { latitude: observed.latitude!, longitude: observed.longitude! }))
    : null;
  const otherCountry = claim?.country != null && observed.country !== null && claim.country !== observed.country;
  return {
    description: row.description,
    user_agent: row.userAgent,
    geolocation: claim,
    far_from_observed: otherCountry || (distance !== null && distance > Limits.CLAIMED_LOCATION_FAR_KM),
    distance_km: distance,
  };
}

export function approvalRequestView(row: SessionRequestRow): ApprovalRequest {
  const observed = observedView(row);
  return {
    uuid: row.uuid,
    credential: { id: row.credentialId, name: row.credentialName, mode: row.credentialMode },
    observed,
    claimed: claimedView(row, observed),
    changes: row.changes ?? [],
    repeat_count: row.repeatCount,
    code_length: row.bindingCode?.length ?? 0,
    description: row.description,
    ip: row.ip,
    ip_known: row.ipKnown,
    user_agent: row.userAgent,
    geolocation: row.geolocation,
    created: iso(row.created),
    expiry_time: iso(row.expiryTime),
    // Typed codes: the device must not be shown the answer. (Rows of the number-matching era have choices.)
    binding_choices: null,
    installation: approvalInstallationView(row.installation),
  };
}

export function historyEntryView(row: SessionRequestRow): SessionRequestHistoryEntry {
  return {
    uuid: row.uuid,
    credential: { id: row.credentialId, name: row.credentialName },
    status: row.status,
    description: row.description,
    ip: row.ip,
    user_agent: row.userAgent,
    geolocation: row.geolocation,
    created: iso(row.created),
    expiry_time: iso(row.expiryTime),
    decided_at: isoOrNull(row.decidedAt),
    decided_by_device_id: row.decidedByDeviceId,
    decision: row.decision,
    trust_ip: row.trustIp,
    deactivate_credential: row.deactivateCredential,
    binding_mismatch: row.bindingMismatch,
    auto_accepted: row.autoAccepted,
    approved_by_code: row.approvedByCode,
    wrong_code: row.wrongCode,
    installation: installationRef(row.installation),
    granted_by: grantedBy(row),
    grant_created: row.grantCreated,
    observed: observedView(row),
    repeat_count: row.repeatCount,
  };
}

export function deviceView(row: DeviceRow): ApproverDevice {
  return {
    id: row.id,
    user_id: row.userId,
    user_name: row.userName,
    name: row.name,
    platform: row.platform,
    created: iso(row.created),
    last_seen: isoOrNull(row.lastSeen),
  };
}

/** credential.locked as the owner's devices get it: from the recorded lock, with the key's current name. */
export function lockedMessage(
  lock: Pick<CredentialLockRow, 'credentialId' | 'reason' | 'sessionsEnded'>,
  credentialName: string,
): Extract<ServerMessage, { type: 'credential.locked' }> {
  return {
    type: 'credential.locked',
    credential: { id: lock.credentialId, name: credentialName },
    reason: lock.reason,
    sessions_ended: lock.sessionsEnded,
  };
}

/** A user as the operator API shows it. */
export function userView(row: UserRow): OperatorUser {
  return {
    id: row.id,
    name: row.name,
    created: iso(row.created),
    removed: row.removed === null ? null : iso(row.removed),
  };
}
