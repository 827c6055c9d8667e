// The tables as both dialects store them, for Kysely's typed queries. One shape for SQLite and PostgreSQL so that
// the repositories in kysely/ are written once: flags are 0/1 integers in both (PostgreSQL smallint with a CHECK),
// times are Unix milliseconds (PostgreSQL bigint, read back as a number), JSON values are stored as text.
import type { Generated } from 'kysely';
import type { CredentialStatus, DecisionKind, IpStatus, KeyMode, RequestStatus } from '../../protocol/index.js';

/** 0 or 1. */
export type Flag = number;

export interface UsersTable {
  id: Generated<number>;
  name: string;
  created: number;
  /** When the operator removed the user; null while it exists. */
  removed: Generated<number | null>;
}

export interface CredentialsTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  key_hash: string;
  mode: KeyMode;
  /** Kept equal to code_length > 0, for a server of the version before typed codes reading the same database. */
  number_matching: Flag;
  code_length: Generated<number>;
  status: CredentialStatus;
  created: number;
  updated: number;
  expiry_time: number | null;
  last_used: number | null;
  permitted_device_description: string | null;
  permitted_device_ip: string | null;
  blocks_counted_since: Generated<number>;
  allow_code_fallback: Generated<Flag>;
}

export interface PermittedIpsTable {
  id: Generated<number>;
  credential_id: number;
  ip: string;
  status: IpStatus;
  created: number;
  updated: number;
}

export interface SessionRequestsTable {
  seq: Generated<number>;
  uuid: string;
  credential_id: number;
  user_id: number;
  status: RequestStatus;
  description: string | null;
  ip: string;
  ip_known: Flag;
  user_agent: string | null;
  /** JSON text. */
  geolocation: string | null;
  binding_code: string | null;
  /** JSON text: an array of three codes. */
  binding_choices: string | null;
  created: number;
  expiry_time: number;
  decided_at: number | null;
  decided_by_device_id: number | null;
  decision: DecisionKind | null;
  trust_ip: Generated<Flag>;
  deactivate_credential: Generated<Flag>;
  binding_mismatch: Generated<Flag>;
  decision_signature: string | null;
  auto_accepted: Generated<Flag>;
  token_delivered: Generated<Flag>;
  session_id: number | null;
  approved_by_code: Generated<Flag>;
  wrong_code: Generated<Flag>;
  /** SHA-256 hex of the requester's X-Countersign-Claim, when it sent one. */
  claim_hash: string | null;
  delivered_at: number | null;
  /** The requester installation that signed the request. */
  installation_id: Generated<number | null>;
  /** The grant that opened the session without asking. */
  grant_id: Generated<number | null>;
  /** The permitted IP entry ("*" or an address) that opened the session without asking. */
  permitted_ip: Generated<string | null>;
  /** The grant the approval of this request made (its scope). */
  grant_created: Generated<number | null>;
  observed_country: string | null;
  observed_region: string | null;
  observed_city: string | null;
  observed_latitude: number | null;
  observed_longitude: number | null;
  observed_asn: number | null;
  observed_asn_name: string | null;
  /** found, not-found, unavailable, not-applicable; null for rows from before the lookups. */
  observed_lookup: string | null;
  /** JSON text: the changes list of approval.requested. */
  changes: string | null;
  repeat_count: Generated<number>;
}

export interface RequesterInstallationsTable {
  id: Generated<number>;
  credential_id: number;
  public_key: string;
  name: string;
  created: number;
  last_used: number | null;
  sessions_opened: Generated<number>;
}

export interface RequesterSignaturesTable {
  installation_id: number;
  signature: string;
  seen_at: number;
}

export interface GrantsTable {
  id: Generated<number>;
  credential_id: number;
  user_id: number;
  kind: 'installation' | 'network' | 'anywhere';
  installation_id: number | null;
  network: string | null;
  created: number;
  created_by_device_id: number;
  request_uuid: string | null;
  expires_at: number;
  max_uses: number | null;
  uses: Generated<number>;
  last_used: number | null;
  revoked_at: number | null;
  revoked_by_device_id: number | null;
  /** The last time it was created, used or revoked (a push hub's resync reads by it). */
  changed_at: number;
}

export interface SessionsTable {
  id: Generated<number>;
  token_hash: string;
  credential_id: number;
  user_id: number;
  ip: string;
  created: number;
  expires: number;
  ended: number | null;
}

export interface DevicesTable {
  id: Generated<number>;
  user_id: number;
  name: string;
  platform: string;
  public_key: string;
  created: number;
  last_seen: number | null;
  revoked: number | null;
  /** AES-256-GCM with the operator's key; never the secret in clear. */
  totp_secret_sealed: string | null;
}

export interface PairingCodesTable {
  code_hash: string;
  user_id: number;
  created: number;
  expires: number;
  used_at: number | null;
  /** The device that made the code; null for one from countersign-admin. */
  invited_by_device_id: number | null;
}

export interface DeviceEventsTable {
  id: Generated<number>;
  user_id: number;
  kind: 'paired' | 'removed';
  device_id: number;
  ip: string | null;
  at: number;
  /** paired: the inviting device; removed: the removing device; null: the operator. */
  by_device_id: number | null;
}

export interface SeenSignaturesTable {
  device_id: number;
  signature: string;
  seen_at: number;
}

export interface UsedTotpStepsTable {
  device_id: number;
  step: number;
  used_at: number;
}

export interface CredentialLocksTable {
  id: Generated<number>;
  credential_id: number;
  user_id: number;
  locked_at: number;
  reason: string;
  sessions_ended: number;
}

/**
 * Signed webhooks waiting for delivery, written in the same transaction as the change they tell of. One row per
 * event; the delivery state covers every configured receiver URL (done_urls, last_errors as JSON text).
 */
export interface WebhookOutboxTable {
  seq: Generated<number>;
  /** The webhook-id: stable across retries, so a receiver can de-duplicate. */
  event_id: string;
  type: string;
  /** The exact JSON body, signed afresh on each attempt. */
  payload: string;
  created: number;
  attempts: Generated<number>;
  next_attempt_at: number;
  /** Who delivers it now (a random token per claim) and until when; another instance may take it after that. */
  lease_owner: string | null;
  lease_until: number | null;
  delivered_at: number | null;
  /** Retries stopped (too old); `countersign-admin webhook redeliver --failed` starts them again. */
  given_up_at: number | null;
  /** JSON text: the receiver URLs that answered 2xx. */
  done_urls: string;
  /** JSON text: { url: { error, at } } of the last failed attempt per URL. */
  last_errors: string;
}

/**
 * PostgreSQL only: which instance holds a push stream of which user (one row per instance and user, not per
 * stream), so that every instance can tell whether an owner's approver is online.
 */
export interface ApproverPresenceTable {
  instance_id: string;
  user_id: number;
  since: number;
}

/** PostgreSQL only: each instance's last sign of life; presence rows of an instance that stopped are not believed. */
export interface ServerInstancesTable {
  instance_id: string;
  heartbeat_at: number;
}

/** PostgreSQL only: the shared rate-limit counts (SQLite's single instance counts in memory). */
export interface RateLimitsTable {
  key: string;
  window_end: number;
  count: number;
}

export interface Schema {
  users: UsersTable;
  credentials: CredentialsTable;
  permitted_ips: PermittedIpsTable;
  session_requests: SessionRequestsTable;
  sessions: SessionsTable;
  devices: DevicesTable;
  pairing_codes: PairingCodesTable;
  seen_signatures: SeenSignaturesTable;
  used_totp_steps: UsedTotpStepsTable;
  credential_locks: CredentialLocksTable;
  rate_limits: RateLimitsTable;
  device_events: DeviceEventsTable;
  requester_installations: RequesterInstallationsTable;
  requester_signatures: RequesterSignaturesTable;
  grants: GrantsTable;
  webhook_outbox: WebhookOutboxTable;
  approver_presence: ApproverPresenceTable;
  server_instances: ServerInstancesTable;
}
