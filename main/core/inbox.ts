// Where push messages and decisions meet the queue, the local history and the shell's events: a request is
// recorded the first time it is seen, queued while pending, and leaves the queue when decided here, resolved
// elsewhere, found no longer pending after a reconnect, or expired.
import type { ApprovalRequest, RequestStatus } from '../../protocol/index.js';
import type { PendingApproval } from './api.js';
import { ApprovalQueue } from './approval-queue.js';
import { type Clock, isoAt } from './clock.js';
import type { SentDecision } from './decision.js';
import type { CoreEventEmitter } from './events.js';
import type { HistoryStore } from './history-store.js';

export class Inbox {
  readonly queue: ApprovalQueue;

  constructor(
    private readonly history: HistoryStore,
    private readonly events: CoreEventEmitter,
    private readonly clock: Clock,
  ) {
    this.queue = new ApprovalQueue(clock, (approval) => this.expired(approval));
  }

  /** A PENDING request from the server; `serverOffsetMs` is how far the server clock runs ahead of ours. */
  received(accountId: string, request: ApprovalRequest, serverOffsetMs: number): void {
    const now = isoAt(this.clock);
    const firstSeen = this.history.recordSeen(accountId, request, now);
    // Told again (a reconnect, or the server merged another identical attempt into it): the card shows the newer
    // details, and nobody is notified a second time.
    if (this.queue.has(request.uuid)) {
      if (this.queue.update(request)) this.changed();
      return;
    }
    const expiresAt = Date.parse(request.expiry_time) - serverOffsetMs;
    const approval: PendingApproval = {
      accountId,
      request,
      receivedAt: firstSeen ? now : (this.history.receivedAt(accountId, request.uuid) ?? now),
      expiresAt: new Date(expiresAt).toISOString(),
    };
    if (!this.queue.add(approval, expiresAt)) {
      this.history.settle(accountId, request.uuid, 'EXPIRED');
      return;
    }
    // A reconnect resends the pending ones (already queued, so not here again); a restart does too, and those are
    // queued afresh — the window shows them, but only a request never seen before gets a notification.
    this.events.emit('approval:added', approval, { firstSeen });
    this.changed();
  }

  /** Decided on another device (approval.resolved), or found decided while this desktop was away. */
  resolved(accountId: string, uuid: string, status: RequestStatus): void {
    const approval = this.queue.remove(uuid);
    this.history.settle(approval?.accountId ?? accountId, uuid, status);
    if (!approval) return;
    const by = status === 'EXPIRED' ? 'expiry' : 'elsewhere';
    this.events.emit('approval:closed', { accountId: approval.accountId, uuid, status, by });
    this.changed();
  }

  /** The server's answer to a decision sent from here. */
  decided(accountId: string, uuid: string, sent: SentDecision): void {
    const { outcome, body } = sent;
    if (outcome.outcome === 'decided') {
      this.history.recordDecision(accountId, uuid, {
        decision: body.decision,
        status: outcome.status,
        decidedAt: isoAt(this.clock),
        trustIp: body.trust_ip === true || body.scope?.kind === 'permit-ip',
        deactivateCredential: body.deactivate_credential === true,
        signature: body.signature,
      });
    } else if (outcome.outcome === 'expired') {
      this.history.settle(accountId, uuid, 'EXPIRED');
    }
    if (this.queue.remove(uuid)) this.changed();
  }

  uuidsOf(accountId: string): string[] {
    return this.queue.forAccount(accountId).map((approval) => approval.request.uuid);
  }

  /** Whether a queued request's expiry time has passed (on our clock, corrected for the server's). */
  isExpired(uuid: string): boolean {
    const approval = this.queue.get(uuid);
    return approval !== null && Date.parse(approval.expiresAt) <= this.clock.now();
  }

  /** The account is gone: its requests leave the queue (its history stays). */
  dropAccount(accountId: string): void {
    let removed = false;
    for (const uuid of this.uuidsOf(accountId)) removed = this.queue.remove(uuid) !== null || removed;
    if (removed) this.changed();
  }

  clear(): void {
    this.queue.clear();
  }

  private expired(approval: PendingApproval): void {
    const { accountId, request } = approval;
    this.history.settle(accountId, request.uuid, 'EXPIRED');
    this.events.emit('approval:closed', { accountId, uuid: request.uuid, status: 'EXPIRED', by: 'expiry' });
    this.changed();
  }

  private changed(): void {
    this.events.emit('approvals:changed', this.queue.list());
  }
}
