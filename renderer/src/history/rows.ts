// Local and server history entries, brought to one row shape for one table.
import { formatLocation } from '../format.js';
import type { LocalHistoryEntry, RequestStatus, ServerHistoryEntry } from '../types.js';

export interface HistoryRow {
  id: string;
  time: string;
  keyName: string;
  status: RequestStatus;
  decision: string;
  ip: string;
  location: string;
  description: string | null;
  userAgent: string | null;
}

function extras(trustIp: boolean, deactivate: boolean): string {
  return `${trustIp ? ', IP trusted' : ''}${deactivate ? ', key deactivated' : ''}`;
}

export function localRow(entry: LocalHistoryEntry): HistoryRow {
  let decision: string;
  if (entry.decision === 'APPROVE') decision = `Approved here${extras(entry.trustIp, false)}`;
  else if (entry.decision === 'BLOCK') decision = `Blocked here${extras(false, entry.deactivateCredential)}`;
  else if (entry.status === 'PENDING') decision = '—';
  else if (entry.status === 'EXPIRED') decision = 'Nobody answered';
  else decision = 'On another device';
  return {
    id: `${entry.accountId}:${entry.uuid}`,
    time: entry.receivedAt,
    keyName: entry.credentialName,
    status: entry.status,
    decision,
    ip: entry.ip,
    location: entry.location ?? '—',
    description: entry.description,
    userAgent: entry.userAgent,
  };
}

export function serverRow(entry: ServerHistoryEntry, ownDeviceId: number): HistoryRow {
  let decision: string;
  if (entry.auto_accepted) decision = 'Opened without asking';
  else if (entry.approved_by_code) {
    const who = entry.decided_by_device_id === ownDeviceId ? 'this desktop' : `device ${entry.decided_by_device_id}`;
    decision = `Opened with the offline code of ${who}`;
  } else if (entry.wrong_code) decision = 'Refused: wrong or used offline code';
  else if (entry.decision) {
    const who = entry.decided_by_device_id === ownDeviceId ? 'this desktop' : `device ${entry.decided_by_device_id}`;
    const verb = entry.decision === 'APPROVE' ? 'Approved' : 'Blocked';
    const mismatch = entry.binding_mismatch ? ' (wrong number picked)' : '';
    decision = `${verb} on ${who}${mismatch}${extras(entry.trust_ip, entry.deactivate_credential)}`;
  } else if (entry.status === 'PENDING') decision = '—';
  else decision = 'Nobody answered';
  return {
    id: entry.uuid,
    time: entry.created,
    keyName: entry.credential.name,
    status: entry.status,
    decision,
    ip: entry.ip,
    location: entry.geolocation ? formatLocation(entry.geolocation) : '—',
    description: entry.description,
    userAgent: entry.user_agent,
  };
}
