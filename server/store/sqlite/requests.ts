import type { Database } from 'better-sqlite3';
import type { NewSessionRequest, SessionRequestRepository, SessionRequestRow } from '../types.js';
import type { Exec } from './gate.js';

// The key's name and mode come along with every request row: every reader (push, history) shows them.
const COLUMNS = `r.seq, r.uuid, r.credential_id, c.name AS credential_name, c.mode AS credential_mode, r.user_id,
  r.status, r.description, r.ip, r.ip_known, r.user_agent, r.geolocation, r.binding_code, r.binding_choices,
  r.created, r.expiry_time, r.decided_at, r.decided_by_device_id, r.decision, r.trust_ip, r.deactivate_credential,
  r.binding_mismatch, r.decision_signature, r.auto_accepted, r.token_delivered, r.session_id,
  r.approved_by_code, r.wrong_code`;
const FROM = 'FROM session_requests r JOIN credentials c ON c.id = r.credential_id';

interface Raw {
  seq: number;
  uuid: string;
  credential_id: number;
  credential_name: string;
  credential_mode: SessionRequestRow['credentialMode'];
  user_id: number;
  status: SessionRequestRow['status'];
  description: string | null;
  ip: string;
  ip_known: number;
  user_agent: string | null;
  geolocation: string | null;
  binding_code: string | null;
  binding_choices: string | null;
  created: number;
  expiry_time: number;
  decided_at: number | null;
  decided_by_device_id: number | null;
  decision: SessionRequestRow['decision'];
  trust_ip: number;
  deactivate_credential: number;
  binding_mismatch: number;
  decision_signature: string | null;
  auto_accepted: number;
  token_delivered: number;
  session_id: number | null;
  approved_by_code: number;
  wrong_code: number;
}

function row(raw: Raw): SessionRequestRow {
  return {
    seq: raw.seq,
    uuid: raw.uuid,
    credentialId: raw.credential_id,
    credentialName: raw.credential_name,
    credentialMode: raw.credential_mode,
    userId: raw.user_id,
    status: raw.status,
    description: raw.description,
    ip: raw.ip,
    ipKnown: raw.ip_known === 1,
    userAgent: raw.user_agent,
    geolocation: raw.geolocation === null ? null : JSON.parse(raw.geolocation),
    bindingCode: raw.binding_code,
    bindingChoices: raw.binding_choices === null ? null : JSON.parse(raw.binding_choices),
    created: raw.created,
    expiryTime: raw.expiry_time,
    decidedAt: raw.decided_at,
    decidedByDeviceId: raw.decided_by_device_id,
    decision: raw.decision,
    trustIp: raw.trust_ip === 1,
    deactivateCredential: raw.deactivate_credential === 1,
    bindingMismatch: raw.binding_mismatch === 1,
    decisionSignature: raw.decision_signature,
    autoAccepted: raw.auto_accepted === 1,
    tokenDelivered: raw.token_delivered === 1,
    sessionId: raw.session_id,
    approvedByCode: raw.approved_by_code === 1,
    wrongCode: raw.wrong_code === 1,
  };
}

export function sqliteRequests(db: Database, exec: Exec): SessionRequestRepository {
  const insert = db.prepare(
    `INSERT INTO session_requests (uuid, credential_id, user_id, status, description, ip, ip_known, user_agent,
       geolocation, binding_code, binding_choices, created, expiry_time, auto_accepted, token_delivered, session_id,
       approved_by_code, wrong_code, decided_at, decided_by_device_id)
     VALUES (@uuid, @credentialId, @userId, @status, @description, @ip, @ipKnown, @userAgent, @geolocation,
       @bindingCode, @bindingChoices, @created, @expiryTime, @autoAccepted, @tokenDelivered, @sessionId,
       @approvedByCode, @wrongCode, @decidedAt, @decidedByDeviceId)`,
  );
  const byUuid = db.prepare(`SELECT ${COLUMNS} ${FROM} WHERE r.uuid = ?`);
  const countPending = db.prepare(
    "SELECT COUNT(*) AS n FROM session_requests WHERE credential_id = ? AND status = 'PENDING' AND expiry_time > ?",
  );
  const pendingForUser = db.prepare(
    `SELECT ${COLUMNS} ${FROM} WHERE r.user_id = ? AND r.status = 'PENDING' AND r.expiry_time > ? ORDER BY r.seq`,
  );
  const pendingForCredential = db.prepare(
    `SELECT ${COLUMNS} ${FROM} WHERE r.credential_id = ? AND r.status = 'PENDING' ORDER BY r.seq`,
  );
  const decide = db.prepare(
    `UPDATE session_requests SET status = @status, decided_at = @decidedAt, decided_by_device_id = @deviceId,
       decision = @decision, trust_ip = @trustIp, deactivate_credential = @deactivateCredential,
       binding_mismatch = @bindingMismatch, decision_signature = @signature
     WHERE uuid = @uuid AND status = 'PENDING'`,
  );
  const rejectPending = db.prepare(
    "UPDATE session_requests SET status = 'REJECTED', decided_at = ? WHERE uuid = ? AND status = 'PENDING'",
  );
  const dueUuids = db.prepare(
    "SELECT uuid FROM session_requests WHERE status = 'PENDING' AND expiry_time <= ? ORDER BY seq",
  );
  const expire = db.prepare("UPDATE session_requests SET status = 'EXPIRED' WHERE uuid = ? AND status = 'PENDING'");
  const claimToken = db.prepare(
    "UPDATE session_requests SET token_delivered = 1 WHERE uuid = ? AND status = 'ACCEPTED' AND token_delivered = 0",
  );
  const linkSession = db.prepare('UPDATE session_requests SET session_id = ? WHERE uuid = ?');
  // A wrong TOTP code counts toward the lock like a BLOCK: both say someone who should not is using the key.
  const countBlocks = db.prepare(
    `SELECT COUNT(*) AS n FROM session_requests
     WHERE credential_id = ? AND (decision = 'BLOCK' OR wrong_code = 1) AND decided_at >= ?`,
  );
  const bool = (value: boolean) => (value ? 1 : 0);
  const read = (uuid: string) => {
    const raw = byUuid.get(uuid) as Raw | undefined;
    return raw ? row(raw) : null;
  };

  return {
    create: (r: NewSessionRequest) =>
      exec(() => {
        insert.run({
          ...r,
          ipKnown: bool(r.ipKnown),
          geolocation: r.geolocation === null ? null : JSON.stringify(r.geolocation),
          bindingChoices: r.bindingChoices === null ? null : JSON.stringify(r.bindingChoices),
          autoAccepted: bool(r.autoAccepted),
          tokenDelivered: bool(r.tokenDelivered),
          approvedByCode: bool(r.approvedByCode ?? false),
          wrongCode: bool(r.wrongCode ?? false),
          decidedAt: r.decidedAt ?? null,
          decidedByDeviceId: r.decidedByDeviceId ?? null,
        });
        return read(r.uuid)!;
      }),
    byUuid: (uuid) => exec(() => read(uuid)),
    countPending: (credentialId, now) => exec(() => (countPending.get(credentialId, now) as { n: number }).n),
    pendingForUser: (userId, now) => exec(() => (pendingForUser.all(userId, now) as Raw[]).map(row)),
    pendingForCredential: (credentialId) => exec(() => (pendingForCredential.all(credentialId) as Raw[]).map(row)),
    decide: (uuid, d) =>
      exec(
        () =>
          decide.run({
            uuid,
            status: d.status,
            decidedAt: d.decidedAt,
            deviceId: d.deviceId,
            decision: d.decision,
            trustIp: bool(d.trustIp),
            deactivateCredential: bool(d.deactivateCredential),
            bindingMismatch: bool(d.bindingMismatch),
            signature: d.signature,
          }).changes === 1,
      ),
    rejectPending: (uuid, now) => exec(() => rejectPending.run(now, uuid).changes === 1),
    expireDue: (now) =>
      exec(() => {
        const expired: SessionRequestRow[] = [];
        for (const { uuid } of dueUuids.all(now) as { uuid: string }[]) {
          if (expire.run(uuid).changes === 1) expired.push(read(uuid)!);
        }
        return expired;
      }),
    claimTokenDelivery: (uuid) => exec(() => claimToken.run(uuid).changes === 1),
    linkSession: (uuid, sessionId) =>
      exec(() => {
        linkSession.run(sessionId, uuid);
      }),
    countBlocks: (credentialId, since) => exec(() => (countBlocks.get(credentialId, since) as { n: number }).n),
    history: (filter) =>
      exec(() => {
        const where = ['r.user_id = @userId'];
        if (filter.status !== undefined) where.push('r.status = @status');
        if (filter.credentialId !== undefined) where.push('r.credential_id = @credentialId');
        if (filter.beforeSeq !== undefined) where.push('r.seq < @beforeSeq');
        const statement = db.prepare(
          `SELECT ${COLUMNS} ${FROM} WHERE ${where.join(' AND ')} ORDER BY r.seq DESC LIMIT @limit`,
        );
        return (statement.all(filter) as Raw[]).map(row);
      }),
  };
}
