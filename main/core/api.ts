// The public surface of the approver core: everything the Electron shell (and the Playwright test bridge) may
// call. The implementation lives beside this file; nothing here imports electron. The data it hands out is the IPC
// contract's (ipc/types.ts), so the renderer sees exactly what the core produces.
import type {
  Account,
  AccountDevice,
  DecideInput,
  DecideOutcome,
  DeviceEventEntry,
  DeviceEventQuery,
  DeviceNotice,
  EventChannel,
  EventPayloads,
  LocalHistoryEntry,
  LocalHistoryQuery,
  PairInput,
  PendingApproval,
  PinSetInput,
  PinStatus,
  Result,
  ServerHistoryQuery,
  TotpCode,
} from '../../ipc/contract.js';
import type {
  GrantListOptions,
  GrantRevokeOptions,
  GrantRevokeOutcome,
  KeyGrants,
  NotMeOutcome,
  SessionsOpenedNotice,
} from '../../ipc/contract.js';
import type {
  Grant,
  GrantCreate,
  CredentialCreate,
  CredentialPasswordIp,
  CredentialUpdate,
  IpStatus,
  PairingCodeIssued,
  PermittedIp,
  SessionRequestHistoryEntry,
} from '../../protocol/index.js';

export type {
  Account,
  AccountDevice,
  ApprovalClosed,
  ConnectionState,
  CoreError,
  CoreErrorCode,
  CredentialLocked,
  DecideInput,
  DecideOutcome,
  DeviceEventEntry,
  DeviceEventQuery,
  DeviceNotice,
  LocalHistoryEntry,
  LocalHistoryQuery,
  PairInput,
  PendingApproval,
  PinSetInput,
  PinStatus,
  Result,
  ServerHistoryQuery,
  TotpCode,
} from '../../ipc/contract.js';
export type {
  GrantRevokeOutcome,
  KeyGrants,
  NotMeOutcome,
  SessionsOpenedCause,
  SessionsOpenedNotice,
} from '../../ipc/contract.js';

/** Renderer events that come from the shell, not the core. */
export type ShellEventChannel = 'app:navigate';

/**
 * The core's events: every renderer event but the shell's, under the same name and with the same payload (main
 * forwards them as they are), and `approval:added`, which only the shell hears (for the notification).
 */
export type CoreEvents = {
  [E in Exclude<EventChannel, ShellEventChannel>]: (payload: EventPayloads[E]) => void;
} & {
  /**
   * A request entered the queue in this run: new, or still pending from before a restart. `firstSeen` is false
   * when this desktop recorded it before (the shell then shows it without a second notification).
   */
  'approval:added': (approval: PendingApproval, info: { firstSeen: boolean }) => void;
};

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

  /** The user's approver devices, as the server lists them. */
  listDevices(accountId: string): Promise<Result<AccountDevice[]>>;
  /** Removes another device of the account's user at the server (this desktop's own: removeAccount). */
  removeDevice(accountId: string, deviceId: number): Promise<Result<void>>;
  /** The user's enrolment audit trail (pairings and removals), newest first. */
  deviceEvents(accountId: string, query?: DeviceEventQuery): Promise<Result<DeviceEventEntry[]>>;
  /** Enrolment notices told on the push streams and not dismissed yet, newest first. */
  deviceNotices(): DeviceNotice[];
  dismissDeviceNotice(accountId: string, eventId: number): Result<void>;

  /** Ordered oldest first; expired ones are already gone. */
  pending(): PendingApproval[];
  /** APPROVE while an app PIN is set needs input.pin (PIN_REQUIRED, PIN_WRONG, PIN_LOCKED_OUT); BLOCK never. */
  decide(accountId: string, uuid: string, input: DecideInput): Promise<Result<DecideOutcome>>;

  // --- App PIN (user presence) ---
  pinStatus(): Promise<Result<PinStatus>>;
  /** Sets or changes the PIN (changing needs currentPin). */
  setPin(input: PinSetInput): Promise<Result<PinStatus>>;
  removePin(currentPin: string): Promise<Result<PinStatus>>;
  // --- end app PIN ---

  listKeys(accountId: string): Promise<Result<CredentialPasswordIp[]>>;
  /** The reply carries token_value: show it once. */
  createKey(accountId: string, input: CredentialCreate): Promise<Result<CredentialPasswordIp>>;
  updateKey(accountId: string, credentialId: number, input: CredentialUpdate): Promise<Result<CredentialPasswordIp>>;
  listIps(accountId: string, credentialId: number): Promise<Result<PermittedIp[]>>;
  addIp(accountId: string, credentialId: number, ip: string, status?: IpStatus): Promise<Result<PermittedIp>>;
  setIpStatus(accountId: string, credentialId: number, ipId: number, status: IpStatus): Promise<Result<PermittedIp>>;
  /** The server's record of session requests for the account's user. */
  serverHistory(accountId: string, query?: ServerHistoryQuery): Promise<Result<SessionRequestHistoryEntry[]>>;

  /** This desktop's own record. */
  localHistory(query?: LocalHistoryQuery): LocalHistoryEntry[];

  /**
   * The account's current TOTP code (offline fallback) and the seconds it has left, computed here from the secret
   * in the keychain: works with no connection to the server.
   */
  currentCode(accountId: string): Promise<Result<TotpCode>>;

  // ——— Grants ———
  /** The key's grants as the server lists them (live ones, or all), newest first. */
  listGrants(accountId: string, credentialId: number, options?: GrantListOptions): Promise<Result<Grant[]>>;
  /** Every key's live grants, kept from the push stream (no server call). */
  activeGrants(): KeyGrants[];
  /** Pre-authorise sessions of the key without a pending request. */
  createGrant(accountId: string, credentialId: number, input: GrantCreate): Promise<Result<Grant>>;
  revokeGrant(
    accountId: string,
    credentialId: number,
    grantId: number,
    options: GrantRevokeOptions,
  ): Promise<Result<GrantRevokeOutcome>>;
  /** "This wasn't me": revoke the key's live grants, deactivate it, end its sessions; its notices go. */
  reportNotMe(accountId: string, credentialId: number): Promise<Result<NotMeOutcome>>;
  /** Quiet notices of sessions that opened without asking, newest first. */
  sessionNotices(): SessionsOpenedNotice[];
  dismissSessionNotice(id: string): Result<void>;
}
