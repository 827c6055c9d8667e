// Installations, grants and the sessions they let in, as the protocol shows them: rendered from the rows, by the
// instance that changed them and by any other instance that reads the rows after a notice.
import type { ApprovalInstallation, Grant, GrantedBy, Installation, ServerMessage } from '../../protocol/index.js';
import { publicKeyFingerprint } from '../../protocol/crypto.js';
import type { GrantRow, InstallationRow, InstallationSummary, SessionRequestRow } from '../store/types.js';
import { iso } from './wire.js';

const isoOrNull = (time: number | null) => (time === null ? null : iso(time));

export function installationView(row: InstallationRow): Installation {
  return {
    id: row.id,
    credential_id: row.credentialId,
    name: row.name,
    fingerprint: publicKeyFingerprint(row.publicKey),
    created: iso(row.created),
    last_used: isoOrNull(row.lastUsed),
    sessions_opened: row.sessionsOpened,
  };
}

export function approvalInstallationView(summary: InstallationSummary | null): ApprovalInstallation | null {
  if (summary === null) return null;
  return {
    id: summary.id,
    name: summary.name,
    fingerprint: publicKeyFingerprint(summary.publicKey),
    created: iso(summary.created),
    sessions_opened: summary.sessionsOpened,
    new_program: summary.sessionsOpened === 0,
  };
}

export function installationRef(summary: InstallationSummary | null) {
  return summary === null
    ? null
    : { id: summary.id, name: summary.name, fingerprint: publicKeyFingerprint(summary.publicKey) };
}

export function grantStatus(row: GrantRow, now: number): Grant['status'] {
  if (row.revokedAt !== null) return 'REVOKED';
  if (row.maxUses !== null && row.uses >= row.maxUses) return 'USED_UP';
  if (row.expiresAt <= now) return 'EXPIRED';
  return 'ACTIVE';
}

export function grantView(row: GrantRow, now: number): Grant {
  return {
    id: row.id,
    credential_id: row.credentialId,
    scope: row.kind,
    installation:
      row.installationId === null
        ? null
        : {
            id: row.installationId,
            name: row.installationName ?? '',
            fingerprint: row.installationPublicKey ? publicKeyFingerprint(row.installationPublicKey) : '',
          },
    network: row.network,
    status: grantStatus(row, now),
    created: iso(row.created),
    created_by_device_id: row.createdByDeviceId,
    request_uuid: row.requestUuid,
    expires_at: iso(row.expiresAt),
    max_uses: row.maxUses,
    uses: row.uses,
    uses_left: row.maxUses === null ? null : Math.max(0, row.maxUses - row.uses),
    last_used: isoOrNull(row.lastUsed),
    revoked_at: isoOrNull(row.revokedAt),
    revoked_by_device_id: row.revokedByDeviceId,
  };
}

export type GrantChange = 'created' | 'used' | 'revoked';

export function grantMessage(change: GrantChange, row: GrantRow, now: number): ServerMessage {
  return { type: 'grant.changed', change, grant: grantView(row, now) };
}

/** What let the request's session in without a question; null when the owner was asked (or a code opened it). */
export function grantedBy(row: SessionRequestRow): GrantedBy | null {
  if (row.grantId !== null) return { kind: 'grant', grant_id: row.grantId };
  if (row.permittedIp !== null) return { kind: 'permitted_ip', ip: row.permittedIp };
  return null;
}

/** session.opened for a request whose session a grant or a permitted IP opened; null for any other request. */
export function sessionOpenedMessage(row: SessionRequestRow): ServerMessage | null {
  const by = grantedBy(row);
  if (by === null || row.status !== 'ACCEPTED') return null;
  return {
    type: 'session.opened',
    request_uuid: row.uuid,
    credential: { id: row.credentialId, name: row.credentialName },
    ip: row.ip,
    installation: installationRef(row.installation),
    granted_by: by,
    at: iso(row.created),
  };
}
