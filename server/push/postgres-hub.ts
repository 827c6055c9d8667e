// The push hub of several server instances on one PostgreSQL database. Each instance delivers to its own streams
// and waiters at once (an InProcessHub, so one instance is as fast as before), and tells the others through
// NOTIFY, naming only ids. A receiver does something only for users it has streams for and requests someone here
// waits on, and renders what it sends from the current row. When its LISTEN connection drops it reconnects and
// resyncs from the rows what it may have missed.
//
// Duplicates are harmless, so the resync errs towards sending too much: a device's queue keys requests by uuid
// (main/core/inbox.ts), so a second approval.requested for a request it already shows changes nothing, and a
// second approval.resolved finds nothing left to remove, and device.paired / device.removed carry the audit trail's
// event_id for a device to show each once. What must not happen is an approval.requested after the
// approval.resolved of the same request (it would show a decided request again); messages to one user therefore
// go out in order (SerialByKey), and approval.requested is sent only for a row that is PENDING when read.
import { type ServerMessage, StreamCloseCode } from '../../protocol/index.js';
import { deviceEventMessage } from '../views/device-events.js';
import { type GrantChange, grantMessage, sessionOpenedMessage } from '../views/grant-views.js';
import { approvalRequestView, lockedMessage } from '../views/wire.js';
import type { CredentialLockRow, Store, TransactionRepositories } from '../store/types.js';
import {
  type DeviceStream,
  type FinalStatus,
  type HubStats,
  InProcessHub,
  type Published,
  type PushHub,
} from './hub.js';
import { decodeNotice, encodeNotice, type Notice, newInstanceId } from './notice.js';
import { fullJitter, type HubLog, NoticeListener } from './pg-listener.js';
import { coalesce, NoticePublisher } from './pg-publisher.js';
import { SerialByKey } from './serial.js';
import { DEVICE_REMOVED_REASON } from './outbox.js';

export type { HubLog } from './pg-listener.js';

export interface PostgresHubOptions {
  connectionString: string;
  store: Store;
  /** Default true. False: publish only, receive nothing (countersign-admin, which has no streams or waiters). */
  listen?: boolean;
  /** The NOTIFY channel every instance of one deployment shares (default "countersign"). */
  channel?: string;
  log?: HubLog;
  /** Tuning, mostly for tests. */
  now?: () => number;
  presenceBeatMs?: number;
  reconnect?: { baseMs: number; maxMs: number };
  heartbeat?: { intervalMs: number; timeoutMs: number };
  /** How far before the last moment the listener was known to work a resync starts (clocks of instances differ). */
  resyncMarginMs?: number;
}

export interface PostgresHub extends PushHub {
  /** This instance's random id, sent with every notice so that it can skip its own. */
  readonly instanceId: string;
  /** What this instance serves (its own streams and waiters only). */
  stats(): HubStats;
  /**
   * Stops listening and publishing (sending what is queued first). Transactions that commit later still carry
   * their own notices (attachToCommit). Safe to call twice.
   */
  close(): Promise<void>;
}

export const DEFAULT_CHANNEL = 'countersign';
const DEFAULTS = {
  reconnect: { baseMs: 100, maxMs: 10_000 },
  heartbeat: { intervalMs: 10_000, timeoutMs: 5_000 },
  resyncMarginMs: 5_000,
};
/**
 * Presence across instances (approver_presence, server_instances): each instance beats this often, and its rows
 * count while its last beat is at most PRESENCE_ALIVE_MS old — so an instance that died stops counting within that
 * time. Rows of instances silent for PRESENCE_FORGET_MS are deleted by whichever instance beats next.
 */
export const PRESENCE_BEAT_MS = 5_000;
export const PRESENCE_ALIVE_MS = 20_000;
const PRESENCE_FORGET_MS = 10 * 60_000;

const consoleLog: HubLog = {
  warn: (obj, msg) => console.warn(msg, obj),
  error: (obj, msg) => console.error(msg, obj),
};

/** What other instances need to hear about a message published to a user, or null for a local-only message. */
function noticeFor(userId: number, message: ServerMessage): Notice | null {
  switch (message.type) {
    case 'approval.requested':
      return { kind: 'requested', user: userId, uuid: message.request.uuid };
    case 'approval.resolved':
      return { kind: 'resolved', user: userId, uuid: message.uuid };
    case 'credential.locked':
      return {
        kind: 'locked',
        user: userId,
        credential: message.credential.id,
        reason: message.reason,
        sessions: message.sessions_ended,
      };
    case 'device.paired':
    case 'device.removed':
      return { kind: 'device', user: userId, event: message.event_id };
    case 'session.opened':
      return { kind: 'opened', user: userId, uuid: message.request_uuid };
    case 'grant.changed':
      return { kind: 'grant', user: userId, grant: message.grant.id, change: message.change };
    default:
      return null;
  }
}

export async function startPostgresHub(options: PostgresHubOptions): Promise<PostgresHub> {
  const channel = options.channel ?? DEFAULT_CHANNEL;
  // Lower case and plain, so that LISTEN's identifier and pg_notify's text argument name the same channel.
  if (!/^[a-z_][a-z0-9_]{0,62}$/.test(channel)) throw new Error(`push hub: not a plain channel name: "${channel}"`);
  const hub = new PgHub({ ...options, channel });
  await hub.start(options.listen ?? true);
  return hub;
}

class PgHub implements PostgresHub {
  readonly instanceId = newInstanceId();
  private readonly local = new InProcessHub();
  private readonly store: Store;
  private readonly log: HubLog;
  private readonly now: () => number;
  private readonly serial: SerialByKey<number>;
  private readonly publisher: NoticePublisher;
  private listener: NoticeListener | null = null;
  /** Resync everything changed at or after this time; null when no resync is due. */
  private resyncSince: number | null = null;
  private resyncRunning = false;
  private closing: Promise<void> | null = null;
  private beatTimer: NodeJS.Timeout | null = null;
  /** Per user, the presence write under way: writes for one user go in order, each saying the state of its time. */
  private readonly presenceWrites = new Map<number, Promise<void>>();
  /** A presence write failed (the database was away): the next beat writes every served user's again. */
  private presenceDirty = false;

  constructor(private readonly options: PostgresHubOptions & { channel: string }) {
    this.store = options.store;
    this.log = options.log ?? consoleLog;
    this.now = options.now ?? Date.now;
    this.serial = new SerialByKey((error) => this.log.error({ err: error }, 'push hub: could not deliver a notice'));
    this.publisher = new NoticePublisher(options.connectionString, options.channel, this.instanceId, this.log);
  }

  async start(listen: boolean): Promise<void> {
    if (!listen) return;
    try {
      if (this.store.presence) {
        await this.store.presence.beat(this.instanceId, this.now());
        this.local.onUserPresence = (userId) => this.writePresence(userId);
        this.beatTimer = setInterval(() => void this.beat(), this.options.presenceBeatMs ?? PRESENCE_BEAT_MS);
        this.beatTimer.unref();
      }
      this.listener = await NoticeListener.start({
        connectionString: this.options.connectionString,
        instanceId: this.instanceId,
        channel: this.options.channel,
        onPayload: (payload) => this.received(payload),
        onReconnected: (lostSince) => this.resyncFrom(lostSince),
        log: this.log,
        now: this.now,
        backoff: this.options.reconnect ?? DEFAULTS.reconnect,
        heartbeat: this.options.heartbeat ?? DEFAULTS.heartbeat,
      });
    } catch (error) {
      if (this.beatTimer) clearInterval(this.beatTimer);
      await this.publisher.close();
      throw error;
    }
  }

  // ---- presence: which instance holds streams of which user ----

  private writePresence(userId: number): void {
    const presence = this.store.presence;
    if (!presence) return;
    const previous = this.presenceWrites.get(userId) ?? Promise.resolve();
    const write = previous
      // The state when the write runs, not when it was asked for: a quick open-close-open ends right.
      .then(() => presence.set(this.instanceId, userId, this.local.servesUser(userId), this.now()))
      .catch((error: unknown) => {
        this.presenceDirty = true;
        this.log.warn(
          { err: error, userId },
          'push hub: could not record approver presence; retrying at the next beat',
        );
      });
    this.presenceWrites.set(userId, write);
    void write.finally(() => {
      if (this.presenceWrites.get(userId) === write) this.presenceWrites.delete(userId);
    });
  }

  private async beat(): Promise<void> {
    const presence = this.store.presence;
    if (!presence || this.closing) return;
    try {
      const now = this.now();
      await presence.beat(this.instanceId, now);
      if (this.presenceDirty) {
        this.presenceDirty = false;
        for (const userId of this.local.servedUsers()) this.writePresence(userId);
      }
      await presence.pruneSilentSince(now - PRESENCE_FORGET_MS);
    } catch (error) {
      this.log.warn({ err: error }, 'push hub: presence heartbeat failed');
    }
  }

  async approverOnline(userId: number): Promise<boolean> {
    if (this.local.servesUser(userId)) return true;
    const presence = this.store.presence;
    if (!presence) return false;
    return presence.online(userId, this.now() - PRESENCE_ALIVE_MS);
  }

  // ---- PushHub: local delivery at once, then a notice for the other instances ----

  attach(stream: DeviceStream): void {
    this.local.attach(stream);
  }

  detach(stream: DeviceStream): void {
    this.local.detach(stream);
  }

  publishToUser(userId: number, message: ServerMessage): void {
    this.deliver(userId, message);
    const notice = noticeFor(userId, message);
    if (notice) this.publisher.send(notice);
  }

  attachToCommit(tx: TransactionRepositories, published: Published): boolean {
    if (!tx.notifyOnCommit) return false;
    const notices: Notice[] = [];
    for (const { userId, message } of published.messages) {
      const notice = noticeFor(userId, message);
      if (notice) notices.push(notice);
    }
    for (const { uuid } of published.changed) notices.push({ kind: 'wake', uuid });
    for (const { deviceId, code, reason } of published.disconnects) {
      notices.push({ kind: 'disconnect', device: deviceId, code, reason });
    }
    if (notices.length > 0) {
      tx.notifyOnCommit(
        this.options.channel,
        coalesce(notices).map((notice) => encodeNotice(this.instanceId, notice)),
      );
    }
    return true;
  }

  deliverHere(published: Published): void {
    for (const { userId, message } of published.messages) this.deliver(userId, message);
    for (const { uuid, status } of published.changed) this.local.notifyRequest(uuid, status);
    for (const { deviceId, code, reason } of published.disconnects) this.local.disconnectDevice(deviceId, code, reason);
  }

  disconnectDevice(deviceId: number, code: number, reason: string): void {
    this.local.disconnectDevice(deviceId, code, reason);
    this.publisher.send({ kind: 'disconnect', device: deviceId, code, reason });
  }

  /** This instance is shutting down: only its own streams close. */
  disconnectAll(code: number, reason: string): void {
    this.local.disconnectAll(code, reason);
  }

  waitForRequest(uuid: string, timeoutMs: number, signal: AbortSignal): Promise<FinalStatus | null> {
    return this.local.waitForRequest(uuid, timeoutMs, signal);
  }

  notifyRequest(uuid: string, status?: FinalStatus): void {
    // The other instances' waiters re-read the request: the notice names it only.
    this.local.notifyRequest(uuid, status);
    this.publisher.send({ kind: 'wake', uuid });
  }

  stats(): HubStats {
    return this.local.stats();
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      await this.listener?.close();
      if (this.beatTimer) clearInterval(this.beatTimer);
      // Deliveries already under way read rows: let them finish while the store is still open.
      await this.serial.idle();
      await Promise.all(this.presenceWrites.values());
      if (this.beatTimer) {
        // This instance's streams are closing with it: its presence goes now, not when its beat turns stale.
        await this.store.presence?.forget(this.instanceId).catch((error: unknown) => {
          this.log.warn({ err: error }, 'push hub: could not remove this instance from approver presence');
        });
      }
      await this.publisher.close();
    })();
    return this.closing;
  }

  // ---- receiving ----

  /** To the user's streams here, behind any message to that user still being prepared (order per user). */
  private deliver(userId: number, message: ServerMessage): void {
    if (this.serial.busy(userId)) this.serial.run(userId, () => this.local.publishToUser(userId, message));
    else this.local.publishToUser(userId, message);
  }

  private received(payload: string): void {
    const decoded = decodeNotice(payload);
    if (!decoded) {
      this.log.warn({ payload: payload.slice(0, 200) }, 'push hub: ignored a notice that is not one of ours');
      return;
    }
    if (decoded.from === this.instanceId || this.closing) return;
    try {
      this.dispatch(decoded.notice);
    } catch (error) {
      // Thrown from a stream's send or close: that stream's trouble, not a reason to stop listening.
      this.log.error({ err: error }, 'push hub: could not deliver a notice');
    }
  }

  private dispatch(notice: Notice): void {
    switch (notice.kind) {
      case 'requested':
        if (this.local.servesUser(notice.user)) this.serial.run(notice.user, () => this.sendRequested(notice.uuid));
        break;
      case 'resolved':
        // The waiters re-read the row themselves; nothing to read here for them.
        this.local.notifyRequest(notice.uuid);
        if (this.local.servesUser(notice.user)) this.serial.run(notice.user, () => this.sendResolved(notice.uuid));
        break;
      case 'wake':
        this.local.notifyRequest(notice.uuid);
        break;
      case 'locked':
        if (this.local.servesUser(notice.user)) {
          const lock = { userId: notice.user, credentialId: notice.credential, reason: notice.reason };
          this.serial.run(notice.user, () => this.sendLocked({ ...lock, sessionsEnded: notice.sessions }));
        }
        break;
      case 'device':
        if (this.local.servesUser(notice.user)) this.serial.run(notice.user, () => this.sendDeviceEvent(notice));
        break;
      case 'opened':
        if (this.local.servesUser(notice.user)) this.serial.run(notice.user, () => this.sendOpened(notice));
        break;
      case 'grant':
        if (this.local.servesUser(notice.user)) this.serial.run(notice.user, () => this.sendGrant(notice));
        break;
      case 'disconnect':
        this.local.disconnectDevice(notice.device, notice.code, notice.reason);
        break;
    }
  }

  /** session.opened from the request's row (which, once ACCEPTED, never changes what it says). */
  private async sendOpened(notice: { user: number; uuid: string }): Promise<void> {
    const row = await this.store.requests.byUuid(notice.uuid);
    const message = row && row.userId === notice.user ? sessionOpenedMessage(row) : null;
    if (message) this.local.publishToUser(notice.user, message);
  }

  /** grant.changed from the grant's current row: a later state than the notice's is only more current. */
  private async sendGrant(notice: { user: number; grant: number; change: GrantChange }): Promise<void> {
    const row = await this.store.grants.byId(notice.grant);
    if (row && row.userId === notice.user)
      this.local.publishToUser(row.userId, grantMessage(notice.change, row, this.now()));
  }

  /** device.paired or device.removed from the audit trail's row (which never changes once written). */
  private async sendDeviceEvent(notice: { user: number; event: number }): Promise<void> {
    const row = await this.store.deviceEvents.byId(notice.event);
    if (row && row.userId === notice.user) this.local.publishToUser(row.userId, deviceEventMessage(row));
  }

  /** approval.requested from the current row, only while it is still PENDING (and not past its expiry). */
  private async sendRequested(uuid: string): Promise<void> {
    const row = await this.store.requests.byUuid(uuid);
    if (!row) return;
    if (row.status === 'PENDING') {
      if (row.expiryTime > this.now()) {
        this.local.publishToUser(row.userId, { type: 'approval.requested', request: approvalRequestView(row) });
      }
    } else {
      // Decided before we got to it: the resolved notice may already have been handled, so say it here too.
      this.local.publishToUser(row.userId, { type: 'approval.resolved', uuid, status: row.status });
    }
  }

  private async sendResolved(uuid: string): Promise<void> {
    const row = await this.store.requests.byUuid(uuid);
    if (row && row.status !== 'PENDING') {
      this.local.publishToUser(row.userId, { type: 'approval.resolved', uuid, status: row.status });
    }
  }

  private async sendLocked(lock: Omit<CredentialLockRow, 'id' | 'lockedAt'>): Promise<void> {
    const credential = await this.store.credentials.byId(lock.credentialId);
    if (!credential || credential.userId !== lock.userId) return;
    this.local.publishToUser(lock.userId, lockedMessage(lock, credential.name));
  }

  // ---- resync after the listener dropped ----

  private resyncFrom(lostSince: number): void {
    const since = lostSince - (this.options.resyncMarginMs ?? DEFAULTS.resyncMarginMs);
    this.resyncSince = Math.min(this.resyncSince ?? since, since);
    void this.runResync();
  }

  /** Runs the due resync, again with backoff until it succeeds (the database may still be coming back). */
  private async runResync(): Promise<void> {
    if (this.resyncRunning) return;
    this.resyncRunning = true;
    try {
      for (let attempt = 0; this.resyncSince !== null && !this.closing; ) {
        const since = this.resyncSince;
        try {
          await this.resync(since);
          if (this.resyncSince === since) this.resyncSince = null;
        } catch (error) {
          this.log.error({ err: error, attempt }, 'push hub: resync failed; trying again');
          const delay = fullJitter(attempt, this.options.reconnect ?? DEFAULTS.reconnect);
          attempt += 1;
          await new Promise((resolve) => setTimeout(resolve, delay));
        }
      }
    } finally {
      this.resyncRunning = false;
    }
  }

  private async resync(since: number): Promise<void> {
    // Every long-poll here re-reads its request: cheap, and covers every resolve we may have missed.
    this.local.wakeAll();
    if (this.local.servedUsers().length === 0) return;
    const [rows, revoked, locks, deviceEvents, grants] = await Promise.all([
      this.store.requests.changedSince(since),
      this.store.devices.revokedSince(since),
      this.store.locks.since(since),
      this.store.deviceEvents.since(since),
      this.store.grants.changedSince(since),
    ]);
    if (revoked.length > 0) {
      this.local.disconnectDevices(new Set(revoked), StreamCloseCode.DEVICE_REVOKED, DEVICE_REMOVED_REASON);
    }
    // Pairings and removals the notices may have missed; one already told comes again with the same event_id.
    for (const event of deviceEvents) {
      if (!this.local.servesUser(event.userId)) continue;
      this.serial.run(event.userId, () => this.local.publishToUser(event.userId, deviceEventMessage(event)));
    }
    for (const row of rows) {
      if (!this.local.servesUser(row.userId)) continue;
      const { userId, uuid, status } = row;
      // A decided request stays decided, so its row can be sent as read. A PENDING one is read again in turn:
      // a resolve handled since the read above must not be followed by a stale approval.requested.
      if (status === 'PENDING') this.serial.run(userId, () => this.sendRequested(uuid));
      else this.serial.run(userId, () => this.local.publishToUser(userId, { type: 'approval.resolved', uuid, status }));
      // Sessions a grant or a permitted IP let in: told again (a device shows each request_uuid once).
      const opened = sessionOpenedMessage(row);
      if (opened) this.serial.run(userId, () => this.local.publishToUser(userId, opened));
    }
    // Grants changed meanwhile, each in its current state (a device keeps grants by id).
    for (const grant of grants) {
      if (!this.local.servesUser(grant.userId)) continue;
      const change: GrantChange = grant.revokedAt !== null ? 'revoked' : grant.uses > 0 ? 'used' : 'created';
      this.serial.run(grant.userId, () =>
        this.local.publishToUser(grant.userId, grantMessage(change, grant, this.now())),
      );
    }
    // Locks are told again from their records (the same lock twice only repeats what the owner already saw).
    for (const lock of locks) {
      if (this.local.servesUser(lock.userId)) this.serial.run(lock.userId, () => this.sendLocked(lock));
    }
  }
}
