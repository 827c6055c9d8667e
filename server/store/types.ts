// The rows the server keeps and the repositories that read and write them. Every method is async: one Kysely
// query layer (kysely/) serves both embedded SQLite and PostgreSQL behind this interface.
// Times are Unix milliseconds; the HTTP layer turns them into ISO 8601.
import type {
  AddressKind,
  Change,
  CredentialStatus,
  DecisionKind,
  Geolocation,
  IpStatus,
  KeyMode,
  LookupStatus,
  RequestStatus,
} from '../../protocol/index.js';

export type Platform = 'linux' | 'darwin' | 'win32' | 'other';

export interface UserRow {
  id: number;
  name: string;
  created: number;
  /** When the operator removed the user (keys deactivated, devices removed); null while it exists. */
  removed: number | null;
}

export interface CredentialRow {
  id: number;
  userId: number;
  name: string;
  keyHash: string;
  mode: KeyMode;
  /** Digits of the code the requester shows and the owner types; 0 = no code. */
  codeLength: number;
  status: CredentialStatus;
  created: number;
  updated: number;
  /** While PENDING_FIRST_USE: when the unused key stops working. */
  expiryTime: number | null;
  lastUsed: number | null;
  permittedDeviceDescription: string | null;
  permittedDeviceIp: string | null;
  /** BLOCKs before this time do not count towards the lock (set when a lock is lifted). */
  blocksCountedSince: number;
  permittedIpCount: number;
  /** Grants of the key not revoked (live, used up or expired): a key with none has no grant to look through. */
  unrevokedGrantCount: number;
  /** Whether a TOTP code from one of the owner's devices may open a session instead of a push approval. */
  allowCodeFallback: boolean;
}

export interface NewCredential {
  userId: number;
  name: string;
  keyHash: string;
  mode: KeyMode;
  codeLength: number;
  created: number;
  expiryTime: number;
  allowCodeFallback?: boolean;
}

export interface CredentialChanges {
  status?: CredentialStatus;
  mode?: KeyMode;
  name?: string;
  codeLength?: number;
  expiryTime?: number | null;
  lastUsed?: number;
  permittedDeviceDescription?: string;
  permittedDeviceIp?: string;
  blocksCountedSince?: number;
  allowCodeFallback?: boolean;
  updated: number;
}

/** What a use of a key records on it: when, and the program and address it was last used from. */
export type KeyUse = Required<
  Pick<CredentialChanges, 'lastUsed' | 'permittedDeviceDescription' | 'permittedDeviceIp' | 'updated'>
>;

export interface PermittedIpRow {
  id: number;
  credentialId: number;
  ip: string;
  status: IpStatus;
  created: number;
  updated: number;
}

/** What the server saw of the requester's address when the request came in (GeoIP/ASN lookups of that moment). */
export interface ObservedAddress {
  country: string | null;
  region: string | null;
  city: string | null;
  latitude: number | null;
  longitude: number | null;
  asn: number | null;
  asnName: string | null;
  lookup: LookupStatus;
}

/** The kind follows from the address alone, so it is not stored. */
export type ObservedWithKind = ObservedAddress & { kind: AddressKind };

export interface SessionRequestRow {
  /** Insertion order: history pages by it. */
  seq: number;
  uuid: string;
  credentialId: number;
  credentialName: string;
  credentialMode: KeyMode;
  userId: number;
  status: RequestStatus;
  description: string | null;
  ip: string;
  ipKnown: boolean;
  userAgent: string | null;
  geolocation: Geolocation | null;
  bindingCode: string | null;
  bindingChoices: string[] | null;
  created: number;
  expiryTime: number;
  decidedAt: number | null;
  decidedByDeviceId: number | null;
  decision: DecisionKind | null;
  trustIp: boolean;
  deactivateCredential: boolean;
  bindingMismatch: boolean;
  decisionSignature: string | null;
  autoAccepted: boolean;
  tokenDelivered: boolean;
  sessionId: number | null;
  /** Opened by a TOTP code (decidedByDeviceId names the device whose code it was). */
  approvedByCode: boolean;
  /** Refused for a wrong TOTP code; counts toward the lock like a BLOCK. */
  wrongCode: boolean;
  /** SHA-256 hex of the claim the requester bound the request to (X-Countersign-Claim), or null. */
  claimHash: string | null;
  /** When the token was handed out (the re-delivery window starts here). */
  deliveredAt: number | null;
  /** The requester installation that signed it, with what the approval card shows of it; null when unsigned. */
  installation: InstallationSummary | null;
  /** The grant that opened its session without asking. */
  grantId: number | null;
  /** The permitted IP entry that opened its session without asking. */
  permittedIp: string | null;
  /** The grant its approval made. */
  grantCreated: number | null;
  /** Null for rows written before the server looked addresses up. */
  observed: ObservedAddress | null;
  /** What differed from the key's last approved session when the request was asked; null when not asked. */
  changes: Change[] | null;
  /** Identical attempts merged into this request while it was PENDING (1: none merged). */
  repeatCount: number;
}

export interface InstallationSummary {
  id: number;
  name: string;
  publicKey: string;
  created: number;
  sessionsOpened: number;
}

export type NewSessionRequest = Pick<
  SessionRequestRow,
  | 'uuid'
  | 'credentialId'
  | 'userId'
  | 'status'
  | 'description'
  | 'ip'
  | 'ipKnown'
  | 'userAgent'
  | 'geolocation'
  | 'bindingCode'
  | 'bindingChoices'
  | 'created'
  | 'expiryTime'
  | 'autoAccepted'
  | 'tokenDelivered'
  | 'sessionId'
  | 'observed'
> &
  Partial<
    Pick<
      SessionRequestRow,
      | 'approvedByCode'
      | 'wrongCode'
      | 'decidedAt'
      | 'decidedByDeviceId'
      | 'claimHash'
      | 'deliveredAt'
      | 'grantId'
      | 'permittedIp'
      | 'changes'
    >
  > & { installationId?: number | null };

export interface DecisionRecord {
  status: 'ACCEPTED' | 'REJECTED';
  decidedAt: number;
  deviceId: number;
  decision: DecisionKind;
  trustIp: boolean;
  deactivateCredential: boolean;
  bindingMismatch: boolean;
  signature: string;
}

/** An APPROVE with nothing beside it (no trusted IP, no scope): what acceptIfPending records. */
export interface PlainApproval {
  decidedAt: number;
  deviceId: number;
  signature: string;
}

export interface HistoryFilter {
  userId: number;
  status?: RequestStatus;
  credentialId?: number;
  /** Only rows inserted before this sequence number. */
  beforeSeq?: number;
  limit: number;
}

export interface SessionRow {
  id: number;
  tokenHash: string;
  credentialId: number;
  userId: number;
  ip: string;
  created: number;
  expires: number;
  ended: number | null;
}

export interface DeviceRow {
  id: number;
  userId: number;
  userName: string;
  name: string;
  platform: Platform;
  publicKey: string;
  created: number;
  lastSeen: number | null;
  revoked: number | null;
}

export interface PairingCodeRow {
  codeHash: string;
  userId: number;
  created: number;
  expires: number;
  usedAt: number | null;
  /** The device that made the code; null for one from countersign-admin. */
  invitedByDeviceId: number | null;
}

export type DeviceEventKind = 'paired' | 'removed';

/** One pairing or removal, with the names it shows (read through the devices, which are never deleted). */
export interface DeviceEventRow {
  id: number;
  userId: number;
  kind: DeviceEventKind;
  deviceId: number;
  deviceName: string;
  platform: Platform;
  ip: string | null;
  at: number;
  byDeviceId: number | null;
  byDeviceName: string | null;
}

export type NewDeviceEvent = Pick<DeviceEventRow, 'userId' | 'kind' | 'deviceId' | 'ip' | 'at' | 'byDeviceId'>;

export interface InstallationRow {
  id: number;
  credentialId: number;
  publicKey: string;
  name: string;
  created: number;
  lastUsed: number | null;
  sessionsOpened: number;
}

export type GrantKindRow = 'installation' | 'network' | 'anywhere';

export interface GrantRow {
  id: number;
  credentialId: number;
  userId: number;
  kind: GrantKindRow;
  installationId: number | null;
  /** Read through the installation, for the view. */
  installationName: string | null;
  installationPublicKey: string | null;
  network: string | null;
  created: number;
  createdByDeviceId: number;
  requestUuid: string | null;
  expiresAt: number;
  maxUses: number | null;
  uses: number;
  lastUsed: number | null;
  revokedAt: number | null;
  revokedByDeviceId: number | null;
}

export type NewGrant = Pick<
  GrantRow,
  | 'credentialId'
  | 'userId'
  | 'kind'
  | 'installationId'
  | 'network'
  | 'created'
  | 'createdByDeviceId'
  | 'requestUuid'
  | 'expiresAt'
  | 'maxUses'
>;

export interface InstallationRepository {
  /** Registers the key for the credential, or returns the one already registered (same credential and key). */
  register(
    installation: Pick<InstallationRow, 'credentialId' | 'publicKey' | 'name' | 'created'>,
  ): Promise<InstallationRow>;
  byId(id: number): Promise<InstallationRow | null>;
  byKey(credentialId: number, publicKey: string): Promise<InstallationRow | null>;
  countByCredential(credentialId: number): Promise<number>;
  /** A signed request asked for a session (or opened one: sessionOpened). */
  recordUse(id: number, now: number, sessionOpened: boolean): Promise<void>;
}

export interface RequesterSignatureRepository {
  /** Records an (installation, signature) pair by the signature's canonical text; false when seen before. */
  remember(installationId: number, signature: string, now: number): Promise<boolean>;
  /** Deletes up to limit records seen before the time; how many it deleted. */
  pruneOlderThan(time: number, limit: number): Promise<number>;
}

export interface GrantRepository {
  create(grant: NewGrant): Promise<GrantRow>;
  byId(id: number): Promise<GrantRow | null>;
  /** The key's grants, newest first; only those still live at `liveAt` when given. */
  listByCredential(credentialId: number, liveAt?: number): Promise<GrantRow[]>;
  /** Conditional: counts one use of a live grant; false when it is revoked, expired or used up. */
  consume(id: number, now: number): Promise<boolean>;
  /** Conditional: revokes a grant not yet revoked; false when it already was. */
  revoke(id: number, now: number, byDeviceId: number | null): Promise<boolean>;
  /** Grants created, used or revoked at or after the time (a push hub's resync after it lost events). */
  changedSince(since: number): Promise<GrantRow[]>;
}

export interface UserRepository {
  create(name: string, created: number): Promise<UserRow>;
  byId(id: number): Promise<UserRow | null>;
  /**
   * Inside a transaction: reads the user and holds the row until the transaction ends, so that counting and then
   * adding the user's pairing codes cannot interleave with another instance doing the same (as credentials.hold).
   */
  hold(id: number): Promise<UserRow | null>;
  byName(name: string): Promise<UserRow | null>;
  /** Every user, by id. */
  list(): Promise<UserRow[]>;
  markRemoved(id: number, now: number): Promise<void>;
}

export interface CredentialRepository {
  create(credential: NewCredential): Promise<CredentialRow>;
  byId(id: number): Promise<CredentialRow | null>;
  /**
   * Inside a transaction: reads the key and holds it until the transaction ends, so that every other transaction
   * about the same key (on any server instance) waits. Every rule that reads and then writes is about one key — at
   * most 3 pending requests, the lock after 3 refusals, one decision, the token once, no duplicate IP — so each
   * such transaction starts here, or with holdWithoutReading or holdAndRecordUse, which hold the key alike.
   * (PostgreSQL: SELECT … FOR UPDATE; SQLite's BEGIN IMMEDIATE already holds all.)
   */
  hold(id: number): Promise<CredentialRow | null>;
  /** As hold, for a transaction that needs the lock but not the row (on SQLite: no statement at all). */
  holdWithoutReading(id: number): Promise<void>;
  byKeyHash(keyHash: string): Promise<CredentialRow | null>;
  /** As hold, found by the key's hash: a transaction that starts from the API key reads and holds it at once. */
  holdByKeyHash(keyHash: string): Promise<CredentialRow | null>;
  listByUser(userId: number): Promise<CredentialRow[]>;
  update(id: number, changes: CredentialChanges): Promise<void>;
  /**
   * Inside a transaction: records a use of the key (when, from where) and holds it as hold does, in one
   * statement; returns the row as it now is, or null when there is no such key. The caller checks that the key is
   * usable and rolls back when it is not.
   */
  holdAndRecordUse(id: number, use: KeyUse): Promise<CredentialRow | null>;
}

export interface PermittedIpRepository {
  create(credentialId: number, ip: string, status: IpStatus, now: number): Promise<PermittedIpRow>;
  byId(id: number): Promise<PermittedIpRow | null>;
  listByCredential(credentialId: number): Promise<PermittedIpRow[]>;
  setStatus(id: number, status: IpStatus, now: number): Promise<void>;
}

export interface SessionRequestRepository {
  create(request: NewSessionRequest): Promise<SessionRequestRow>;
  byUuid(uuid: string): Promise<SessionRequestRow | null>;
  /** The request, only when it belongs to the key with this hash (anything else: null, alike). */
  byUuidForKey(uuid: string, keyHash: string): Promise<SessionRequestRow | null>;
  /** PENDING requests not yet past their expiry time. */
  countPending(credentialId: number, now: number): Promise<number>;
  /**
   * The key's oldest PENDING request not yet past its expiry with the same address, description and User-Agent
   * (null and "" alike): an identical attempt merges into it.
   */
  pendingFrom(
    credentialId: number,
    same: {
      ip: string;
      description: string | null;
      userAgent: string | null;
      installationId?: number | null;
      claimHash?: string | null;
    },
    now: number,
  ): Promise<SessionRequestRow | null>;
  /** Conditional: one more identical attempt merged into a PENDING request; false when it is no longer PENDING. */
  countRepeat(uuid: string): Promise<boolean>;
  /** The key's most recent ACCEPTED request (asked, opened at once or by code), or null. */
  lastAccepted(credentialId: number): Promise<SessionRequestRow | null>;
  pendingForUser(userId: number, now: number): Promise<SessionRequestRow[]>;
  pendingForCredential(credentialId: number): Promise<SessionRequestRow[]>;
  /**
   * In one read, what an attempt on the key needs: its PENDING requests (also those past expiry not yet marked
   * EXPIRED), oldest first; its most recent ACCEPTED request (as lastAccepted) or null; and, given a claim, its
   * newest request bound to that claim (its hash) created after createdAfter, or null: what a repeated claimed
   * attempt is answered with.
   */
  openForAttempt(
    credentialId: number,
    claim: { claimHash: string; createdAfter: number } | null,
  ): Promise<{
    pending: SessionRequestRow[];
    lastAccepted: SessionRequestRow | null;
    claimed: SessionRequestRow | null;
  }>;
  /** Conditional: only a PENDING request takes the decision. False when another decision got there first. */
  decide(uuid: string, record: DecisionRecord): Promise<boolean>;
  /**
   * Conditional, one statement: the user's request, PENDING and not expired at the approval's time, with no typed
   * code or the one given, becomes ACCEPTED by the device; returns the row as it now is. Null when any of that does
   * not hold (the caller then reads the row to say which).
   */
  acceptIfPending(
    uuid: string,
    userId: number,
    bindingCode: string | null,
    approval: PlainApproval,
  ): Promise<SessionRequestRow | null>;
  /** Conditional: PENDING → REJECTED without a device decision (the key was locked or deactivated). */
  rejectPending(uuid: string, now: number): Promise<boolean>;
  /** PENDING past expiry → EXPIRED; returns the requests that changed. */
  expireDue(now: number): Promise<SessionRequestRow[]>;
  /**
   * Conditional: ACCEPTED and not yet delivered → delivered, with the session it opened; returns the row as it now
   * is. Null when another read took the token first (or the request is not ACCEPTED).
   */
  claimTokenDelivery(uuid: string, now: number, sessionId: number): Promise<SessionRequestRow | null>;
  /**
   * Conditional: a delivered request whose last hand-out is still the one at `seen` → handed out again now. False
   * when another call handed it out again since.
   */
  markHandedOutAgain(uuid: string, seen: number, now: number): Promise<boolean>;
  /** Records the grant the request's approval made. */
  setGrantCreated(uuid: string, grantId: number): Promise<void>;
  /** BLOCK decisions, wrong typed codes and wrong TOTP codes since the time: together they lock the key. */
  countBlocks(credentialId: number, since: number): Promise<number>;
  history(filter: HistoryFilter): Promise<SessionRequestRow[]>;
  /** Requests created, decided or expired at or after the time (a push hub's resync after it lost events). */
  changedSince(since: number): Promise<SessionRequestRow[]>;
  /** Deletes up to limit requests created before the time that are no longer PENDING; returns how many. */
  pruneHistoryBefore(time: number, limit: number): Promise<number>;
}

export interface SessionRepository {
  create(session: Omit<SessionRow, 'id' | 'ended'>): Promise<SessionRow>;
  byId(id: number): Promise<SessionRow | null>;
  byTokenHash(tokenHash: string): Promise<SessionRow | null>;
  /** Conditional: a live (not ended, not expired) session gets a new token hash; false otherwise. */
  replaceToken(id: number, tokenHash: string, now: number): Promise<boolean>;
  end(id: number, now: number): Promise<void>;
  /** Ends every open (not ended, not expired) session of the key (deactivated or locked); returns how many. */
  endAllOfCredential(credentialId: number, now: number): Promise<number>;
  /** Deletes up to limit sessions that were ended or are past their expiry at the time; returns how many. */
  pruneEndedOrExpired(now: number, limit: number): Promise<number>;
  /** Ends every open session a grant opened; returns how many. */
  endAllOfGrant(grantId: number, now: number): Promise<number>;
  /** Ids of the key's open (not ended, not expired) sessions, oldest first (what endAllOfCredential ends). */
  openIdsOfCredential(credentialId: number, now: number): Promise<number[]>;
}

export interface DeviceRepository {
  create(device: Omit<DeviceRow, 'id' | 'userName' | 'lastSeen' | 'revoked'>): Promise<DeviceRow>;
  byId(id: number): Promise<DeviceRow | null>;
  listByUser(userId: number): Promise<DeviceRow[]>;
  touch(id: number, now: number): Promise<void>;
  /** Conditional: only a device not yet revoked is; false when it already was. */
  revoke(id: number, now: number): Promise<boolean>;
  /** Ids of devices revoked at or after the time (a push hub's resync after it lost events). */
  revokedSince(since: number): Promise<number[]>;
}

export interface PairingCodeRepository {
  create(code: Omit<PairingCodeRow, 'usedAt'>): Promise<void>;
  /** Conditional: marks an unused, unexpired code used; returns its row or null. */
  consume(codeHash: string, now: number): Promise<PairingCodeRow | null>;
  /** When each of the user's unused, unexpired codes expires, soonest first. */
  outstandingExpiries(userId: number, now: number): Promise<number[]>;
  /** Ends the unused codes a device made (it was removed): they expire now. */
  expireIssuedBy(deviceId: number, now: number): Promise<void>;
  /** Deletes up to limit codes that were used or are past their expiry at the time; returns how many. */
  pruneSpent(now: number, limit: number): Promise<number>;
  /** Ends every unused code of the user (the user was removed). */
  expireAllOfUser(userId: number, now: number): Promise<void>;
}

export interface DeviceEventRepository {
  record(event: NewDeviceEvent): Promise<DeviceEventRow>;
  byId(id: number): Promise<DeviceEventRow | null>;
  /** The user's events, newest first; only those with an id below beforeId when given. */
  listByUser(filter: { userId: number; beforeId?: number; limit: number }): Promise<DeviceEventRow[]>;
  /** Events at or after the time, oldest first (a push hub's resync after it lost events). */
  since(time: number): Promise<DeviceEventRow[]>;
  /** Events with an id above the given one, oldest first (a SQLite server catching up on another process's). */
  after(id: number): Promise<DeviceEventRow[]>;
  /** The id of the newest event; 0 when there is none. */
  lastId(): Promise<number>;
}

export interface SeenSignatureRepository {
  /**
   * Records a (device, signature) pair by the signature's raw 64 bytes, never by the text it came in: one signature
   * has several base64 spellings. False when it was seen before (a replay).
   */
  remember(deviceId: number, signature: Uint8Array, now: number): Promise<boolean>;
  /** Deletes up to limit records seen before the time; how many it deleted. */
  pruneOlderThan(time: number, limit: number): Promise<number>;
}

export interface TotpRepository {
  /** Stores a device's TOTP secret, sealed (AES-256-GCM with the operator's key). */
  setSecret(deviceId: number, sealed: string): Promise<void>;
  /** The sealed secrets of the user's devices that are not revoked. */
  secretsOfUser(userId: number): Promise<{ deviceId: number; sealed: string }[]>;
  /** Records a (device, time step) as used; false when it was used before (a replayed code). */
  spendStep(deviceId: number, step: number, now: number): Promise<boolean>;
  /** Deletes up to limit used steps recorded before the time; how many it deleted. */
  pruneUsedStepsOlderThan(time: number, limit: number): Promise<number>;
}

/** One key's count in its current window (rate limits). */
export interface RateCount {
  count: number;
  /** When the window ends (Unix ms); the next hit after it starts a new window. */
  windowEnd: number;
}

/** Counts per key in fixed windows that start with a key's first hit: the storage of every rate limit. */
export interface RateCountRepository {
  /** Counts one hit (starting a new window when the key has none running) and returns the count with it. */
  hit(key: string, windowMs: number, now: number): Promise<RateCount>;
  /** The key's running window, or null; counts nothing. */
  peek(key: string, now: number): Promise<RateCount | null>;
  /** Forgets the windows that have ended. */
  prune(now: number): Promise<void>;
}

/** PostgreSQL only: which instances hold push streams of which users (server/store/kysely/presence.ts). */
export interface PresenceRepository {
  /** This instance is alive. */
  beat(instanceId: string, now: number): Promise<void>;
  /** This instance holds (online) or no longer holds any stream of the user. */
  set(instanceId: string, userId: number, online: boolean, now: number): Promise<void>;
  /** Whether an instance that beat at or after aliveSince holds a stream of the user. */
  online(userId: number, aliveSince: number): Promise<boolean>;
  /** This instance stops (its rows go). */
  forget(instanceId: string): Promise<void>;
  /** Forgets instances silent since the time, and their rows. */
  pruneSilentSince(time: number): Promise<void>;
}

export interface CredentialLockRow {
  id: number;
  credentialId: number;
  userId: number;
  lockedAt: number;
  /** What the owner's devices are told (credential.locked's reason). */
  reason: string;
  /** How many open sessions of the key the lock ended. */
  sessionsEnded: number;
}

/** Every lock of a key, kept so that an instance that missed the notice can still tell the owner's devices. */
export interface CredentialLockRepository {
  record(lock: Omit<CredentialLockRow, 'id'>): Promise<CredentialLockRow>;
  /** Locks at or after the time, oldest first. */
  since(time: number): Promise<CredentialLockRow[]>;
}

/** One webhook event waiting for (or past) delivery to every configured receiver. */
export interface WebhookOutboxRow {
  seq: number;
  eventId: string;
  type: string;
  payload: string;
  created: number;
  attempts: number;
  nextAttemptAt: number;
  leaseOwner: string | null;
  leaseUntil: number | null;
  deliveredAt: number | null;
  givenUpAt: number | null;
  /** Receiver URLs that answered 2xx. */
  doneUrls: string[];
  /** The last failed attempt per receiver URL. */
  lastErrors: Record<string, { error: string; at: number }>;
}

export interface WebhookAttemptResult {
  doneUrls: string[];
  lastErrors: Record<string, { error: string; at: number }>;
  /** Set when every receiver has it; else the retry time (or givenUpAt). */
  deliveredAt: number | null;
  nextAttemptAt: number;
  givenUpAt: number | null;
}

/** The webhook outbox: written inside the change's transaction, drained by the delivery worker. */
export interface WebhookOutboxRepository {
  /**
   * Whether enqueue records anything: false for a server with no receiver (without-webhook-events.ts), so that an
   * event is not even built.
   */
  readonly recording: boolean;
  enqueue(event: { eventId: string; type: string; payload: string; created: number }): Promise<void>;
  /**
   * Takes up to limit due rows (not delivered, not given up, next attempt reached, no live lease) for owner until
   * leaseUntil, counting an attempt. PostgreSQL: FOR UPDATE SKIP LOCKED, so two instances never take the same row.
   */
  claimDue(claim: { now: number; limit: number; owner: string; leaseUntil: number }): Promise<WebhookOutboxRow[]>;
  /** Records an attempt's outcome and ends the lease; false when the lease was no longer the owner's. */
  finish(seq: number, owner: string, result: WebhookAttemptResult): Promise<boolean>;
  /** Every row not yet delivered, oldest first, and how many were delivered (countersign-admin webhook status). */
  undelivered(): Promise<WebhookOutboxRow[]>;
  countDelivered(): Promise<number>;
  byEventId(eventId: string): Promise<WebhookOutboxRow | null>;
  /** Sends the event again to every receiver (also a delivered one); false for an unknown id. */
  redeliver(eventId: string, now: number): Promise<boolean>;
  /** Sends every undelivered event with a failed attempt again now; returns their ids. */
  redeliverFailed(now: number): Promise<string[]>;
  /** Deletes rows delivered (or given up) before the time. */
  pruneFinishedBefore(time: number): Promise<number>;
  /** Deletes every row created before the time (a server without receivers keeps only recent events). */
  pruneCreatedBefore(time: number): Promise<number>;
}

export interface Repositories {
  users: UserRepository;
  credentials: CredentialRepository;
  permittedIps: PermittedIpRepository;
  requests: SessionRequestRepository;
  sessions: SessionRepository;
  devices: DeviceRepository;
  pairingCodes: PairingCodeRepository;
  seenSignatures: SeenSignatureRepository;
  totp: TotpRepository;
  locks: CredentialLockRepository;
  deviceEvents: DeviceEventRepository;
  installations: InstallationRepository;
  requesterSignatures: RequesterSignatureRepository;
  grants: GrantRepository;
  webhooks: WebhookOutboxRepository;
}

/** What a transaction's work is given: the repositories on its connection, and what it may attach to its commit. */
export interface TransactionRepositories extends Repositories {
  /**
   * PostgreSQL (null on SQLite): NOTIFY the channel with each payload as part of this transaction. PostgreSQL sends
   * a transaction's notifications when, and only if, it commits; they go in the same round trip as the COMMIT.
   */
  readonly notifyOnCommit: ((channel: string, payloads: readonly string[]) => void) | null;
}

export type StoreKind = 'sqlite' | 'postgres';

/**
 * What services see of the store: units of work, never the autocommit repositories. A read or a single-statement
 * write runs its statements without a transaction (each on its own, as cheap as a single statement); a
 * transaction commits together.
 */
export interface UnitOfWork {
  readonly kind: StoreKind;
  /**
   * Rate-limit counts every instance on this database shares (PostgreSQL), or null where one instance counts in its
   * own memory (SQLite).
   */
  readonly rateCounts: RateCountRepository | null;
  /** Approver presence across instances (PostgreSQL), or null where the one instance knows it in memory (SQLite). */
  readonly presence: PresenceRepository | null;
  /**
   * Runs reads, each statement on its own (no BEGIN … COMMIT around them). Not from inside a transaction's work.
   */
  read<T>(work: (db: Repositories) => Promise<T>): Promise<T>;
  /**
   * Runs writes that need no other statement to hold with them (a replay record, a prune batch), each committing
   * on its own. The same as read underneath; named apart so that a reader sees where a use case writes outside a
   * transaction. Not from inside a transaction's work.
   */
  write<T>(work: (db: Repositories) => Promise<T>): Promise<T>;
  /**
   * Runs work as one transaction: everything it changes commits together or not at all. Work must only await
   * the repositories it is given (no network, no timers), so that a transaction stays short. Work may run more
   * than once (PostgreSQL runs it again when the database ended it to break a deadlock), so work must change
   * nothing outside tx except through what it returns. A store call from inside the work (rather than through
   * tx) fails at once.
   */
  transaction<T>(work: (tx: TransactionRepositories) => Promise<T>): Promise<T>;
}

/** The whole store: infrastructure (push hubs, the webhook worker, countersign-admin) also calls repositories. */
export interface Store extends UnitOfWork, Repositories {
  close(): Promise<void>;
}
