// createApproverCore: the approver's brain, Electron-free. Wires the database, the vault, one AccountLink per
// paired account, the approval inbox and the event emitter behind the ApproverCore interface.
import { hostname } from 'node:os';
import WebSocket from 'ws';
import type { z } from 'zod';
import type {
  CredentialCreate,
  CredentialUpdate,
  GrantCreate,
  IpStatus,
  Platform,
  RequestStatus,
} from '../../protocol/index.js';
import { AccountLink } from './account-link.js';
import { AccountStore } from './account-store.js';
import { AppPin, type PinStatus as CorePinStatus } from './app-pin.js';
import type { ApproverCore, DecideInput, LocalHistoryQuery, PairInput, PinStatus, Result } from './api.js';
import { type BackoffOptions, DEFAULT_BACKOFF } from './backoff.js';
import { type Clock, isoAt, systemClock } from './clock.js';
import { type Db, openDatabase } from './database.js';
import { sendDecision } from './decision.js';
import { DeviceKeyStore } from './device-key.js';
import { DeviceNotices } from './device-notices.js';
import { CoreEventEmitter } from './events.js';
import { GrantTracker } from './grant-tracker.js';
import { HistoryStore } from './history-store.js';
import type { Fetch, HttpDeps } from './http.js';
import { Inbox } from './inbox.js';
import { issuePairingCode } from './invite.js';
import { pairDevice } from './pairing.js';
import type { WebSocketConstructor } from './push-connection.js';
import { fail, ok } from './result.js';
import { revokeDevice } from './revoke.js';
import { DEFAULT_SESSION_BATCH_MS, SessionBatcher } from './session-batch.js';
import type { TlsTrust } from './tls-pin.js';
import { TotpSecretStore } from './totp-secret.js';
import type { Vault } from './vault.js';

export type { Vault } from './vault.js';
export { keytarVault, keychainError, VaultError } from './vault.js';
export type * from './api.js';

/** The keychain service the device keys are filed under. */
export const KEYCHAIN_SERVICE = 'Countersign';

export interface ApproverCoreOptions {
  /** Where approver.db lives (created if missing). Holds nothing secret. */
  dataDir: string;
  vault: Vault;
  clock?: Clock;
  WebSocket?: WebSocketConstructor;
  fetch?: Fetch;
  /** Default device name at pairing; the host name if not given. */
  deviceName?: string;
  platform?: z.infer<typeof Platform>;
  backoff?: Partial<BackoffOptions>;
  /** Keychain service name; tests give each core its own so they never touch real entries. */
  keychainService?: string;
  /** Certificate authorities to trust instead of the system's (a server with a private CA; tests' own CA). */
  tlsTrust?: TlsTrust;
  /** Days the local history keeps a request (default 90); older rows are pruned at start and once a day. */
  historyRetentionDays?: number;
  /** How long sessions opened without asking gather into one quiet notice (default 3 s). */
  sessionBatchMs?: number;
}

export const DEFAULT_HISTORY_RETENTION_DAYS = 90;
const DAY_MS = 86_400_000;

function currentPlatform(): z.infer<typeof Platform> {
  const platform = process.platform;
  return platform === 'linux' || platform === 'darwin' || platform === 'win32' ? platform : 'other';
}

interface Running {
  db: Db;
  pruneTimer: NodeJS.Timeout;
  accounts: AccountStore;
  history: HistoryStore;
  inbox: Inbox;
  deviceNotices: DeviceNotices;
  links: Map<string, AccountLink>;
  grants: GrantTracker;
  sessions: SessionBatcher;
}

const NOT_STARTED = 'The approver core is not running (start() was not called, or stop() was).';

export function createApproverCore(options: ApproverCoreOptions): ApproverCore {
  const clock = options.clock ?? systemClock;
  const http: HttpDeps = { fetch: options.fetch ?? globalThis.fetch, clock };
  const keys = new DeviceKeyStore(options.vault, options.keychainService ?? KEYCHAIN_SERVICE);
  const totp = new TotpSecretStore(options.vault, options.keychainService ?? KEYCHAIN_SERVICE);
  const backoff: BackoffOptions = { ...DEFAULT_BACKOFF, ...options.backoff };
  const retentionDays = options.historyRetentionDays ?? DEFAULT_HISTORY_RETENTION_DAYS;
  if (!Number.isInteger(retentionDays) || retentionDays < 1)
    throw new RangeError(`historyRetentionDays must be a whole number of days, at least 1 (got ${retentionDays}).`);
  const events = new CoreEventEmitter();
  let running: Running | null = null;
  // --- App PIN (user presence): one for the desktop, whatever the accounts. ---
  const appPin = new AppPin(options.vault, options.keychainService ?? KEYCHAIN_SERVICE, options.dataDir, clock);
  const pinView = (status: CorePinStatus): PinStatus => ({
    set: status.set,
    lockedUntil: status.lockedUntil === null ? null : new Date(status.lockedUntil).toISOString(),
    triesLeft: status.triesLeft,
  });
  const pinStatus = async (): Promise<Result<PinStatus>> => {
    const status = await appPin.status();
    return status.ok ? ok(pinView(status.value)) : status;
  };
  /** An approval's presence check: nothing to do without a PIN; with one, the PIN given must be right. */
  async function presenceFor(input: DecideInput): Promise<Result<void>> {
    if (input.decision !== 'APPROVE') return ok(undefined);
    const status = await appPin.status();
    if (!status.ok) return status;
    if (!status.value.set) return ok(undefined);
    if (input.pin === undefined) return fail('PIN_REQUIRED', 'Enter the app PIN to approve.');
    return appPin.verify(input.pin);
  }
  // --- end app PIN ---

  const accountsChanged = () => events.emit('accounts:changed', core.listAccounts());

  function link(run: Running, accountId: string): Result<AccountLink> {
    const found = run.links.get(accountId);
    return found ? ok(found) : fail('NOT_FOUND', `No account with id ${accountId} on this desktop.`);
  }

  function addLink(run: Running, account: AccountLink['account']): AccountLink {
    const accountLink = new AccountLink(account, {
      keys,
      http,
      clock,
      inbox: run.inbox,
      deviceNotices: run.deviceNotices,
      events,
      WebSocket: options.WebSocket ?? WebSocket,
      backoff,
      tlsTrust: options.tlsTrust ?? {},
      grants: run.grants,
      sessions: run.sessions,
      onChanged: accountsChanged,
    });
    run.links.set(account.id, accountLink);
    accountLink.start();
    return accountLink;
  }

  /** Runs fn with the account's link, or answers why it cannot. */
  async function withLink<T>(accountId: string, fn: (l: AccountLink) => Promise<Result<T>>): Promise<Result<T>> {
    if (!running) return fail('INTERNAL', NOT_STARTED);
    const found = link(running, accountId);
    return found.ok ? fn(found.value) : found;
  }

  const core: ApproverCore = {
    async start() {
      if (running) return;
      const db = openDatabase(options.dataDir);
      const history = new HistoryStore(db);
      const deviceNotices = new DeviceNotices(db, events, () =>
        events.emit('devices:notices-changed', core.deviceNotices()),
      );
      const prune = () => {
        const before = new Date(clock.now() - retentionDays * DAY_MS).toISOString();
        history.prune(before, isoAt(clock));
        deviceNotices.prune(before);
      };
      prune();
      const pruneTimer = setInterval(prune, DAY_MS);
      pruneTimer.unref();
      const grants = new GrantTracker(events, clock);
      const run: Running = {
        grants,
        sessions: new SessionBatcher(events, grants, options.sessionBatchMs ?? DEFAULT_SESSION_BATCH_MS),
        db,
        pruneTimer,
        accounts: new AccountStore(db),
        history,
        inbox: new Inbox(history, events, clock),
        deviceNotices,
        links: new Map(),
      };
      running = run;
      for (const account of run.accounts.all()) addLink(run, account);
      accountsChanged();
    },

    async stop() {
      const run = running;
      if (!run) return;
      // Links first, so the last 'accounts:changed' still lists the accounts (offline) rather than none.
      for (const accountLink of run.links.values()) accountLink.stop();
      running = null;
      clearInterval(run.pruneTimer);
      run.grants.stop();
      run.sessions.stop();
      run.inbox.clear();
      run.db.close();
    },

    on: (event, listener) => events.on(event, listener),

    listAccounts() {
      return running ? [...running.links.values()].map((l) => l.view()) : [];
    },

    async pair(input: PairInput) {
      const run = running;
      if (!run) return fail('INTERNAL', NOT_STARTED);
      const paired = await pairDevice(
        {
          http,
          keys,
          totp,
          accounts: run.accounts,
          deviceName: options.deviceName ?? hostname(),
          platform: options.platform ?? currentPlatform(),
          tlsTrust: options.tlsTrust ?? {},
        },
        input,
      );
      if (!paired.ok) return paired;
      const accountLink = addLink(run, paired.value);
      accountsChanged();
      return ok(accountLink.view());
    },

    async removeAccount(accountId) {
      return withLink(accountId, async (accountLink) => {
        const run = running!;
        const revoked = await revokeDevice(accountLink.device);
        if (!revoked.ok) return revoked;
        accountLink.stop('Removed.');
        const deleted = await keys.delete(accountId);
        const deletedCode = deleted.ok ? await totp.delete(accountId) : deleted;
        if (!deletedCode.ok) {
          accountLink.start();
          return deletedCode;
        }
        run.accounts.delete(accountId);
        run.links.delete(accountId);
        run.inbox.dropAccount(accountId);
        run.grants.dropAccount(accountId);
        run.sessions.dropAccount(accountId);
        accountsChanged();
        // Its notices went with its row.
        events.emit('devices:notices-changed', core.deviceNotices());
        return ok(undefined);
      });
    },

    issuePairingCode: (accountId) => withLink(accountId, (l) => issuePairingCode(l.device)),

    listDevices: (accountId) => withLink(accountId, (l) => l.devices.list()),
    removeDevice: (accountId, deviceId) => withLink(accountId, (l) => l.devices.remove(deviceId)),
    deviceEvents: (accountId, query) => withLink(accountId, (l) => l.devices.events(query)),

    deviceNotices() {
      if (!running) return [];
      const userNames = new Map([...running.links.values()].map((l) => [l.account.id, l.account.userName]));
      return running.deviceNotices.list(userNames);
    },

    dismissDeviceNotice(accountId, eventId) {
      if (!running) return fail('INTERNAL', NOT_STARTED);
      const dismissed = running.deviceNotices.dismiss(accountId, eventId, isoAt(clock));
      return dismissed ? ok(undefined) : fail('NOT_FOUND', `No notice ${eventId} for account ${accountId} to dismiss.`);
    },

    pending() {
      return running ? running.inbox.queue.list() : [];
    },

    async decide(accountId, uuid, input: DecideInput) {
      return withLink(accountId, async (accountLink) => {
        const present = await presenceFor(input);
        if (!present.ok) return present;
        const inbox = running!.inbox;
        const queued = inbox.queue.get(uuid);
        const request = queued?.accountId === accountId ? queued.request : null;
        const sent = await sendDecision(accountLink.device, uuid, input, request);
        if (!sent.ok) return sent;
        // The core may have been stopped while the decision travelled; the server has it regardless.
        if (running) running.inbox.decided(accountId, uuid, sent.value);
        return ok(sent.value.outcome);
      });
    },

    listKeys: (accountId) => withLink(accountId, (l) => l.management.listKeys()),
    createKey: (accountId, input: CredentialCreate) => withLink(accountId, (l) => l.management.createKey(input)),
    updateKey: (accountId, credentialId, input: CredentialUpdate) =>
      withLink(accountId, (l) => l.management.updateKey(credentialId, input)),
    listIps: (accountId, credentialId) => withLink(accountId, (l) => l.management.listIps(credentialId)),
    addIp: (accountId, credentialId, ip, status?: IpStatus) =>
      withLink(accountId, (l) => l.management.addIp(credentialId, ip, status)),
    setIpStatus: (accountId, credentialId, ipId, status: IpStatus) =>
      withLink(accountId, (l) => l.management.setIpStatus(credentialId, ipId, status)),
    serverHistory: (accountId, query?: { status?: RequestStatus; credentialId?: number; count?: number }) =>
      withLink(accountId, (l) => l.management.serverHistory(query)),

    localHistory(query?: LocalHistoryQuery) {
      return running ? running.history.query(query) : [];
    },

    // --- App PIN ---
    pinStatus,
    async setPin(input) {
      const set = await appPin.set(input.pin, input.currentPin);
      return set.ok ? pinStatus() : set;
    },
    async removePin(currentPin) {
      const removed = await appPin.remove(currentPin);
      return removed.ok ? pinStatus() : removed;
    },
    // --- end app PIN ---

    // Only the account's existence is checked: the code needs neither the server nor the push connection.
    currentCode: (accountId) => withLink(accountId, () => totp.currentCode(accountId, clock)),

    // ——— Grants ———
    listGrants: (accountId, credentialId, listOptions = {}) =>
      withLink(accountId, (l) => l.management.listGrants(credentialId, listOptions)),
    activeGrants: () => (running ? running.grants.list() : []),
    createGrant: (accountId, credentialId, input: GrantCreate) =>
      withLink(accountId, async (l) => {
        const created = await l.management.createGrant(credentialId, input);
        // The stream tells the same (grant.changed created); the list need not wait for it.
        if (created.ok) running?.grants.changed(accountId, created.value);
        return created;
      }),
    revokeGrant: (accountId, credentialId, grantId, revokeOptions) =>
      withLink(accountId, async (l) => {
        const revoked = await l.management.revokeGrant(credentialId, grantId, revokeOptions);
        if (revoked.ok) running?.grants.changed(accountId, revoked.value.grant);
        return revoked;
      }),
    reportNotMe: (accountId, credentialId) =>
      withLink(accountId, async (l) => {
        const done = await l.management.reportNotMe(credentialId);
        if (!done.ok) return done;
        if (running) {
          // The stream tells each revoked grant too; a fresh list says it now.
          const live = await l.management.listGrants(credentialId);
          if (live.ok && running) running.grants.replaceKey(accountId, credentialId, live.value);
          running?.sessions.dismissKey(accountId, credentialId);
        }
        const notMe = done.value;
        return ok({
          credentialId: notMe.credential_id,
          grantsRevoked: notMe.grants_revoked,
          sessionsEnded: notMe.sessions_ended,
          requestsRejected: notMe.requests_rejected,
        });
      }),
    sessionNotices: () => (running ? running.sessions.list() : []),
    dismissSessionNotice(id) {
      if (!running) return fail('INTERNAL', NOT_STARTED);
      return running.sessions.dismiss(id) ? ok(undefined) : fail('NOT_FOUND', `No notice ${id} to dismiss.`);
    },
  };
  return core;
}
