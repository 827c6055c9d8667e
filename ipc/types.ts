// The data that crosses IPC, named once on the contract side: the approver core (main/core) produces these values
// and the renderer shows them, so both import them from here. Types only; the argument schemas that the renderer
// sends are zod schemas in ipc/schema.ts.
import type {
  ApprovalRequest,
  DecisionKind,
  Grant,
  RequestStatus,
  SessionRequestHistoryEntry,
} from '../protocol/index.js';

export type { CredentialPasswordIp, Grant, PairingCodeIssued, PermittedIp } from '../protocol/index.js';
export type { SessionRequestHistoryEntry };

/** Errors cross every boundary as data. `code` is for code, `message` is for people (say what to do). */
export type CoreErrorCode =
  | 'INVALID_INPUT' // the arguments are wrong (message says which)
  | 'KEYCHAIN_UNAVAILABLE' // no Secret Service / keychain: nothing was stored
  | 'KEYCHAIN_LOCKED' // the keychain is locked: unlock it and try again
  | 'INSECURE_TRANSPORT' // http:// or ws:// to anything but loopback
  | 'TLS_CERTIFICATE_CHANGED' // the server shows another certificate than at pairing: re-pair or fix the server
  | 'NETWORK' // server unreachable
  | 'PAIRING_FAILED' // code unknown, used or expired
  | 'UNAUTHORIZED' // the server no longer accepts this device
  | 'NOT_FOUND' // unknown account, key, IP or request
  | 'PIN_REQUIRED' // an app PIN is set: Approve needs it (nothing was counted or sent)
  | 'PIN_WRONG' // the app PIN was wrong (message says how many tries are left)
  | 'PIN_LOCKED_OUT' // too many wrong PINs: wait for the cool-down (message says how long)
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
  /**
   * When it expires, on this desktop's clock: the server's expiry_time corrected by the server's clock offset, so
   * a countdown is right even when this desktop's clock is not.
   */
  expiresAt: string;
}

/** 409/410 are outcomes, not errors: the request was decided elsewhere or ran out of time. */
export type DecideOutcome =
  | { outcome: 'decided'; status: RequestStatus; bindingMismatch: boolean }
  | { outcome: 'already-decided' }
  | { outcome: 'expired' };

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

/** A request left the queue without a decision from here: decided elsewhere or expired. */
export interface ApprovalClosed {
  accountId: string;
  uuid: string;
  status: RequestStatus;
  by: 'elsewhere' | 'expiry';
}

/** The server locked a key after repeated blocks. */
export interface CredentialLocked {
  accountId: string;
  credentialId: number;
  credentialName: string;
  reason: string;
}

/** The account's current offline code and the seconds it has left. */
export interface TotpCode {
  code: string;
  secondsLeft: number;
}

export interface Settings {
  startAtLogin: boolean;
  /** Shown in the Accounts view: the platform and app version. */
  platform: string;
  version: string;
}

/** Another approver device of the account's user, as the server lists it. */
export interface AccountDevice {
  id: number;
  name: string;
  platform: 'linux' | 'darwin' | 'win32' | 'other';
  created: string;
  lastSeen: string | null;
  /** This desktop's own device (removing it is removing the account). */
  thisDevice: boolean;
}

/** A device that acted in an enrolment event: the inviter of a pairing, or the remover. */
export interface DeviceActorView {
  deviceId: number;
  name: string;
}

/**
 * One entry of the user's enrolment audit trail (the server's device-event endpoint): a device paired or removed,
 * from where, when, and by whom (`by` null: the server's operator).
 */
export interface DeviceEventEntry {
  eventId: number;
  kind: 'paired' | 'removed';
  device: { id: number; name: string; platform: 'linux' | 'darwin' | 'win32' | 'other' };
  /** paired: where the new device paired from. removed: the remover's address; null for the operator. */
  ip: string | null;
  at: string;
  by: DeviceActorView | null;
}

/**
 * An enrolment event told on the push stream, as this desktop keeps it until the user dismisses it: "a new
 * approver was paired — not you? remove it", or "an approver was removed by …". Each server event is kept once.
 */
export interface DeviceNotice extends DeviceEventEntry {
  accountId: string;
  /** The user the account approves for, to say whose devices these are. */
  userName: string;
  /** The device this desktop holds for the account did it (an invite of ours, a removal from here). */
  byThisDevice: boolean;
  /** paired: the device is still enrolled as far as this desktop knows (it can still be removed). */
  removable: boolean;
  receivedAt: string;
}

/** The app PIN: whether one is set (Approve then asks for it), and whether wrong tries have locked it for now. */
export interface PinStatus {
  set: boolean;
  /** ISO time until which every try is refused, or null. */
  lockedUntil: string | null;
  /** Wrong tries left before the next cool-down. */
  triesLeft: number;
}

// ——— Grants (pre-authorised and scoped approvals) ———

/** The live grants of one key, as this desktop keeps them from the push stream. */
export interface KeyGrants {
  accountId: string;
  credentialId: number;
  grants: Grant[];
}

/** What let the sessions of a summary in: a grant (with its words, "runner-3, 8 h") or a permitted IP. */
export type SessionsOpenedCause =
  | { kind: 'grant'; grantId: number; label: string }
  | { kind: 'permitted_ip'; ip: string };

/**
 * A quiet, batched notice: sessions that opened without asking the owner, for one key and one cause, gathered over
 * a few seconds. "2 sessions opened for ci-bot under 'runner-3, 8 h'".
 */
export interface SessionsOpenedNotice {
  /** Local id of the notice (for dismissing it). */
  id: string;
  accountId: string;
  credentialId: number;
  credentialName: string;
  cause: SessionsOpenedCause;
  count: number;
  /** The addresses the sessions came from, each once. */
  ips: string[];
  firstAt: string;
  lastAt: string;
  /** The sentence, as the notification and the in-app notice show it. */
  summary: string;
}

/** What "This wasn't me" did at the server. */
export interface NotMeOutcome {
  credentialId: number;
  grantsRevoked: number;
  sessionsEnded: number;
  requestsRejected: number;
}

/** A revoke's outcome: the grant as it is now, and how many of its sessions were ended. */
export interface GrantRevokeOutcome {
  grant: Grant;
  sessionsEnded: number;
}
