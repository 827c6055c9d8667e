// One paired account while the core runs: its signed HTTP client, management client and push connection, and
// what the stream told us (state, client IP, server clock offset).
import type { ServerMessage } from '../../protocol/index.js';
import type { StoredAccount } from './account-store.js';
import type { Account, ConnectionState } from './api.js';
import type { BackoffOptions } from './backoff.js';
import { type Clock, isoAt } from './clock.js';
import { DeviceClient } from './device-client.js';
import type { DeviceNotices } from './device-notices.js';
import { DevicesClient } from './devices.js';
import type { DeviceKeyStore } from './device-key.js';
import type { CoreEventEmitter } from './events.js';
import type { GrantTracker } from './grant-tracker.js';
import type { HttpDeps } from './http.js';
import type { Inbox } from './inbox.js';
import { ManagementClient } from './management.js';
import { PushConnection, type WebSocketConstructor } from './push-connection.js';
import { resyncAfterHello } from './resync.js';
import type { SessionBatcher } from './session-batch.js';
import { SKEW_RETRY_THRESHOLD_MS } from './server-clock.js';
import { streamUrl } from './server-url.js';
import { pinnedTlsOptions, type TlsTrust } from './tls-pin.js';

export interface AccountLinkDeps {
  keys: DeviceKeyStore;
  http: HttpDeps;
  clock: Clock;
  inbox: Inbox;
  deviceNotices: DeviceNotices;
  events: CoreEventEmitter;
  WebSocket: WebSocketConstructor;
  backoff: BackoffOptions;
  tlsTrust: TlsTrust;
  /** Live grants per key, and the quiet notices of sessions opened without asking. */
  grants: GrantTracker;
  sessions: SessionBatcher;
  /** Called whenever anything shown in the account list changed. */
  onChanged: () => void;
}

export class AccountLink {
  readonly device: DeviceClient;
  readonly management: ManagementClient;
  readonly devices: DevicesClient;
  private readonly connection: PushConnection;
  private clientIp: string | null = null;
  /** Counts hellos, so a resync that finishes after a newer connection said hello does nothing. */
  private helloCount = 0;
  private sentSinceHello = new Set<string>();

  constructor(
    readonly account: StoredAccount,
    private readonly deps: AccountLinkDeps,
  ) {
    this.device = new DeviceClient(account, deps.keys, deps.http, deps.tlsTrust);
    this.management = new ManagementClient(this.device);
    this.devices = new DevicesClient(this.device);
    const url = streamUrl(account.server, account.deviceId);
    this.connection = new PushConnection({
      url,
      upgradeHeaders: () => this.device.upgradeHeaders(url),
      WebSocket: deps.WebSocket,
      clock: deps.clock,
      backoff: deps.backoff,
      onState: () => deps.onChanged(),
      onMessage: (message) => this.onMessage(message),
      // A refused upgrade's Date header tells the server's clock: signed with our own clock, a desktop that is
      // minutes off would be refused forever.
      ...(account.tlsFingerprint ? { tls: pinnedTlsOptions(account.tlsFingerprint, deps.tlsTrust) } : {}),
      onUpgradeRefused: (status, date) =>
        status === 401 && Math.abs(this.device.serverClock.observeDateHeader(date)) >= SKEW_RETRY_THRESHOLD_MS,
    });
  }

  get state(): ConnectionState {
    return this.connection.state;
  }

  view(): Account {
    // The public key is not part of Account: the shell has no use for it (the history check reads it from the row).
    const { publicKey: _publicKey, ...shown } = this.account;
    return { ...shown, connection: this.connection.state, clientIp: this.clientIp };
  }

  start(): void {
    this.connection.start();
  }

  stop(reason?: string): void {
    // A resync still waiting for the server must not act on a stopped account.
    this.helloCount += 1;
    this.connection.stop(reason);
  }

  private onMessage(message: ServerMessage): void {
    const { inbox, events } = this.deps;
    switch (message.type) {
      case 'hello':
        this.hello(message.client_ip, message.server_time);
        break;
      case 'approval.requested':
        this.sentSinceHello.add(message.request.uuid);
        // Expiry times are on the server's clock; the same estimate the signatures use turns them into ours.
        inbox.received(this.account.id, message.request, this.device.serverClock.offsetMs);
        break;
      case 'approval.resolved':
        inbox.resolved(this.account.id, message.uuid, message.status);
        break;
      case 'credential.locked':
        events.emit('credential:locked', {
          accountId: this.account.id,
          credentialId: message.credential.id,
          credentialName: message.credential.name,
          reason: message.reason,
        });
        break;
      case 'device.paired':
      case 'device.removed':
        this.deps.deviceNotices.received(
          { id: this.account.id, userName: this.account.userName, deviceId: this.account.deviceId },
          message,
          isoAt(this.deps.clock),
        );
        break;
      case 'session.opened':
        this.deps.sessions.received(this.account.id, message);
        break;
      case 'grant.changed':
        this.deps.grants.changed(this.account.id, message.grant);
        break;
      case 'ping':
        break;
    }
  }

  private hello(clientIp: string, serverTime: string): void {
    this.clientIp = clientIp;
    this.device.serverClock.observeServerTime(serverTime);
    const hello = ++this.helloCount;
    const sent = new Set<string>();
    this.sentSinceHello = sent;
    void resyncAfterHello(this.deps.inbox, this.management, {
      accountId: this.account.id,
      queuedAtHello: this.deps.inbox.uuidsOf(this.account.id),
      sentSinceHello: () => sent,
      stillCurrent: () => hello === this.helloCount,
    });
    void this.resyncGrants(() => hello === this.helloCount);
  }

  /**
   * Messages sent while the stream was down are lost: after each hello every key's live grants are listed afresh.
   * A grant.changed that arrives meanwhile is applied again by id, so the order does not matter. Unreachable now:
   * keep what we have; the next connection tries again.
   */
  private async resyncGrants(stillCurrent: () => boolean): Promise<void> {
    const keys = await this.management.listKeys();
    if (!keys.ok || !stillCurrent()) return;
    this.deps.grants.keepKeys(this.account.id, new Set(keys.value.map((key) => key.id)));
    for (const key of keys.value) {
      // ip-only keys never have grants (the server refuses them); skip the call.
      if (key.mode === 'ip-only') {
        this.deps.grants.replaceKey(this.account.id, key.id, []);
        continue;
      }
      const live = await this.management.listGrants(key.id);
      if (!stillCurrent()) return;
      if (live.ok) this.deps.grants.replaceKey(this.account.id, key.id, live.value);
    }
  }
}
