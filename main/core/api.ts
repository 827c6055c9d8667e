// The public surface of the approver core: everything the Electron shell (and the Playwright test bridge) may
// call. The implementation lives beside this file; nothing here imports electron.
import type {
  ApprovalRequest,
  CredentialCreate,
  CredentialPasswordIp,
  CredentialUpdate,
  DecisionKind,
  DecisionScope,
  IpStatus,
  PairingCodeIssued,
  PermittedIp,
  RequestStatus,
  SessionRequestHistoryEntry,
} from '../../protocol/index.js';

/** Errors cross every boundary as data. `code` is for code, `message` is for people (say what to do). */
export type CoreErrorCode =
  | 'INVALID_INPUT' // the arguments are wrong (message says which)
  | 'KEYCHAIN_UNAVAILABLE' // no Secret Service / keychain: nothing was stored
  | 'KEYCHAIN_LOCKED' // the keychain is locked: unlock it and try again
  | 'INSECURE_TRANSPORT' // http:// or ws:// to anything but loopback
  | 'NETWORK' // server unreachable
  | 'PAIRING_FAILED' // code unknown, used or expired
  | 'UNAUTHORIZED' // the server no longer accepts this device
  | 'NOT_FOUND' // unknown account, key, IP or request
  | 'SERVER' // any other answer from the server (message carries its error_description)
  | 'INTERNAL'; // an unexpected failure inside this app (a bug); the message says where

export interface CoreError {
  code: CoreErrorCode;
  message: string;
  /** HTTP status when the server answered. */
  status?: number;
}

export type Result<T> = { ok: true; value: T } | { ok: false; error: CoreError };

export type ConnectionState =
  | { state: 'connected'; since: string }
  | { state: 'connecting'; attempt: number }
  | { state: 'offline'; reason: string; retryAt: string | null };

export interface Account {
  /** Local id of this account on this desktop (stable across restarts). */
  id: string;
  server: string;
  userId: number;
  userName: string;
  deviceId: number;
  deviceName: string;
  created: string;
  /** SHA-256 fingerprint of the server's TLS certificate as seen at pairing; null for loopback http. */
  tlsFingerprint: string | null;
  connection: ConnectionState;
  /** This desktop's IP as the server sees it (from the stream's hello), for "add my current IP". */
  clientIp: string | null;
}

export interface PendingApproval {
  accountId: string;
  request: ApprovalRequest;
  /** When this desktop first saw it. */
  receivedAt: string;
}

export interface DecideInput {
  decision: DecisionKind;
  bindingCode?: string;
  trustIp?: boolean;
  deactivateCredential?: boolean;
  /** APPROVE only: what the approval covers besides this session (a grant; protocol §7, §18). Signed with it. */
  scope?: DecisionScope;
}

/** 409/410 are outcomes, not errors: the request was decided elsewhere or ran out of time. */
export type DecideOutcome =
  | { outcome: 'decided'; status: RequestStatus; bindingMismatch: boolean }
  | { outcome: 'already-decided' }
  | { outcome: 'expired' };

export interface PairInput {
  /** countersign://pair?server=…&code=… — or give server and code separately. */
  link?: string;
  server?: string;
  code?: string;
  /** Shown to the server and in the device list; defaults to the host name. */
  deviceName?: string;
}

/** One row of the local history: every request seen and every decision taken here. */
export interface LocalHistoryEntry {
  accountId: string;
  uuid: string;
  credentialId: number;
  credentialName: string;
  description: string | null;
  ip: string;
  userAgent: string | null;
  location: string | null;
  receivedAt: string;
  expiryTime: string;
  /** Last known status: PENDING until decided here, resolved elsewhere or expired. */
  status: RequestStatus;
  decision: DecisionKind | null;
  decidedAt: string | null;
  trustIp: boolean;
  deactivateCredential: boolean;
  /** The Ed25519 signature this desktop sent as evidence, base64url; null when not decided here. */
  decisionSignature: string | null;
}

export interface LocalHistoryQuery {
  accountId?: string;
  credentialId?: number;
  status?: RequestStatus;
  /** ISO timestamps bounding receivedAt. */
  since?: string;
  until?: string;
  limit?: number;
}

export interface CoreEvents {
  /** A request this desktop has not shown before (for the notification). */
  'approval.added': (approval: PendingApproval) => void;
  /** The pending list changed in any way (added, decided, resolved elsewhere, expired). */
  'approvals.changed': (pending: PendingApproval[]) => void;
  /** A request left the queue without a decision from here: decided elsewhere or expired. */
  'approval.closed': (info: {
    accountId: string;
    uuid: string;
    status: RequestStatus;
    by: 'elsewhere' | 'expiry';
  }) => void;
  'accounts.changed': (accounts: Account[]) => void;
  'credential.locked': (info: {
    accountId: string;
    credentialId: number;
    credentialName: string;
    reason: string;
  }) => void;
}

export interface ApproverCore {
  /** Opens the database, loads accounts and connects every one. */
  start(): Promise<void>;
  /** Closes connections and the database. */
  stop(): Promise<void>;
  on<E extends keyof CoreEvents>(event: E, listener: CoreEvents[E]): () => void;

  listAccounts(): Account[];
  pair(input: PairInput): Promise<Result<Account>>;
  /** Revokes the device on the server when reachable, deletes the keychain entry and the local row. */
  removeAccount(accountId: string): Promise<Result<void>>;
  /** Invites another device of the same user. */
  issuePairingCode(accountId: string): Promise<Result<PairingCodeIssued>>;

  /** Ordered oldest first; expired ones are already gone. */
  pending(): PendingApproval[];
  decide(accountId: string, uuid: string, input: DecideInput): Promise<Result<DecideOutcome>>;

  listKeys(accountId: string): Promise<Result<CredentialPasswordIp[]>>;
  /** The reply carries token_value: show it once. */
  createKey(accountId: string, input: CredentialCreate): Promise<Result<CredentialPasswordIp>>;
  updateKey(accountId: string, credentialId: number, input: CredentialUpdate): Promise<Result<CredentialPasswordIp>>;
  listIps(accountId: string, credentialId: number): Promise<Result<PermittedIp[]>>;
  addIp(accountId: string, credentialId: number, ip: string, status?: IpStatus): Promise<Result<PermittedIp>>;
  setIpStatus(accountId: string, credentialId: number, ipId: number, status: IpStatus): Promise<Result<PermittedIp>>;
  /** The server's record of session requests for the account's user. */
  serverHistory(
    accountId: string,
    query?: { status?: RequestStatus; credentialId?: number; count?: number },
  ): Promise<Result<SessionRequestHistoryEntry[]>>;

  /** This desktop's own record. */
  localHistory(query?: LocalHistoryQuery): LocalHistoryEntry[];

  /**
   * The account's current TOTP code (offline fallback) and the seconds it has left, computed here from the secret
   * in the keychain: works with no connection to the server.
   */
  currentCode(accountId: string): Promise<Result<{ code: string; secondsLeft: number }>>;
}
