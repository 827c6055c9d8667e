// The desktop's own record: every request it was shown and every decision taken here, with the signature that
// was sent as evidence. Kept when an account is removed: it is a record of what happened.
import type { ApprovalRequest, DecisionKind, Geolocation, RequestStatus } from '../../protocol/index.js';
import type { LocalHistoryEntry, LocalHistoryQuery } from './api.js';
import type { Db } from './database.js';

const DEFAULT_LIMIT = 200;

interface HistoryRow {
  account_id: string;
  uuid: string;
  credential_id: number;
  credential_name: string;
  description: string | null;
  ip: string;
  user_agent: string | null;
  location: string | null;
  received_at: string;
  expiry_time: string;
  status: RequestStatus;
  decision: DecisionKind | null;
  decided_at: string | null;
  trust_ip: number;
  deactivate_credential: number;
  decision_signature: string | null;
}

export interface RecordedDecision {
  decision: DecisionKind;
  status: RequestStatus;
  decidedAt: string;
  trustIp: boolean;
  deactivateCredential: boolean;
  signature: string;
}

/** "NL 52.37, 4.89" — what the history shows; coordinates rounded to about a kilometre. */
export function describeLocation(geo: Geolocation | null): string | null {
  if (!geo) return null;
  const coordinates = `${geo.latitude.toFixed(2)}, ${geo.longitude.toFixed(2)}`;
  return geo.country ? `${geo.country} ${coordinates}` : coordinates;
}

// Stored times are UTC ISO strings, which compare correctly as text; bounds with an offset are converted first.
function asUtcIso(time: string): string {
  const date = new Date(time);
  return Number.isNaN(date.getTime()) ? time : date.toISOString();
}

function fromRow(row: HistoryRow): LocalHistoryEntry {
  return {
    accountId: row.account_id,
    uuid: row.uuid,
    credentialId: row.credential_id,
    credentialName: row.credential_name,
    description: row.description,
    ip: row.ip,
    userAgent: row.user_agent,
    location: row.location,
    receivedAt: row.received_at,
    expiryTime: row.expiry_time,
    status: row.status,
    decision: row.decision,
    decidedAt: row.decided_at,
    trustIp: row.trust_ip === 1,
    deactivateCredential: row.deactivate_credential === 1,
    decisionSignature: row.decision_signature,
  };
}

export class HistoryStore {
  constructor(private readonly db: Db) {}

  /** Records a request shown to the user; false when it was recorded before (seen on an earlier connection). */
  recordSeen(accountId: string, request: ApprovalRequest, receivedAt: string): boolean {
    const result = this.db
      .prepare(
        `INSERT OR IGNORE INTO history
           (account_id, uuid, credential_id, credential_name, description, ip, user_agent, location, received_at,
            expiry_time, status)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'PENDING')`,
      )
      .run(
        accountId,
        request.uuid,
        request.credential.id,
        request.credential.name,
        request.description,
        request.ip,
        request.user_agent,
        describeLocation(request.geolocation),
        receivedAt,
        request.expiry_time,
      );
    return result.changes === 1;
  }

  /** When the request was first seen here, if it was. */
  receivedAt(accountId: string, uuid: string): string | null {
    const row = this.db
      .prepare('SELECT received_at FROM history WHERE account_id = ? AND uuid = ?')
      .get(accountId, uuid) as { received_at: string } | undefined;
    return row?.received_at ?? null;
  }

  /** The final status learnt from the server or the clock; a final status is never overwritten. */
  settle(accountId: string, uuid: string, status: RequestStatus): void {
    this.db
      .prepare(`UPDATE history SET status = ? WHERE account_id = ? AND uuid = ? AND status = 'PENDING'`)
      .run(status, accountId, uuid);
  }

  recordDecision(accountId: string, uuid: string, decision: RecordedDecision): void {
    this.db
      .prepare(
        `UPDATE history SET status = @status, decision = @decision, decided_at = @decidedAt, trust_ip = @trustIp,
           deactivate_credential = @deactivateCredential, decision_signature = @signature
         WHERE account_id = @accountId AND uuid = @uuid`,
      )
      .run({
        ...decision,
        trustIp: decision.trustIp ? 1 : 0,
        deactivateCredential: decision.deactivateCredential ? 1 : 0,
        accountId,
        uuid,
      });
  }

  /**
   * Forgets what was received before `before` (ISO), except a request that may still be on screen (pending and not
   * past its expiry at `now`). Returns how many rows went.
   */
  prune(before: string, now: string): number {
    return this.db
      .prepare(`DELETE FROM history WHERE received_at < @before AND NOT (status = 'PENDING' AND expiry_time > @now)`)
      .run({ before: asUtcIso(before), now: asUtcIso(now) }).changes;
  }

  /** Newest first. */
  query(query: LocalHistoryQuery = {}): LocalHistoryEntry[] {
    const where: string[] = [];
    const params: Record<string, string | number> = {};
    if (query.accountId !== undefined) {
      where.push('account_id = @accountId');
      params.accountId = query.accountId;
    }
    if (query.credentialId !== undefined) {
      where.push('credential_id = @credentialId');
      params.credentialId = query.credentialId;
    }
    if (query.status !== undefined) {
      where.push('status = @status');
      params.status = query.status;
    }
    if (query.since !== undefined) {
      where.push('received_at >= @since');
      params.since = asUtcIso(query.since);
    }
    if (query.until !== undefined) {
      where.push('received_at <= @until');
      params.until = asUtcIso(query.until);
    }
    params.limit = query.limit ?? DEFAULT_LIMIT;
    const sql = `SELECT * FROM history ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
                 ORDER BY received_at DESC, uuid LIMIT @limit`;
    return (this.db.prepare(sql).all(params) as HistoryRow[]).map(fromRow);
  }
}
