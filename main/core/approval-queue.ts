// The pending approvals shown to the user: one entry per request uuid, oldest request first, each leaving by
// itself when its expiry time passes.
import type { PendingApproval } from './api.js';
import type { Clock } from './clock.js';

// setTimeout fires at once for delays above 2^31−1 ms; no request lives that long, but never let it misfire.
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Entry {
  approval: PendingApproval;
  /** Local clock time (ms) at which the request expires. */
  expiresAt: number;
  timer: NodeJS.Timeout;
}

export class ApprovalQueue {
  private readonly entries = new Map<string, Entry>();

  constructor(
    private readonly clock: Clock,
    private readonly onExpired: (approval: PendingApproval) => void,
  ) {}

  has(uuid: string): boolean {
    return this.entries.has(uuid);
  }

  get(uuid: string): PendingApproval | null {
    return this.entries.get(uuid)?.approval ?? null;
  }

  /** Adds a request unless it is already queued or already expired; true when it was added. */
  add(approval: PendingApproval, expiresAt: number): boolean {
    const uuid = approval.request.uuid;
    const remaining = expiresAt - this.clock.now();
    if (this.entries.has(uuid) || remaining <= 0) return false;
    const timer = setTimeout(() => this.expire(uuid), Math.min(remaining, MAX_TIMER_MS));
    timer.unref();
    this.entries.set(uuid, { approval, expiresAt, timer });
    return true;
  }

  /**
   * A queued request told again with newer details (the server merged identical attempts into it: repeat_count
   * grew): the entry keeps its place, times and timer, and shows the newer request. False when it is not queued.
   */
  update(request: PendingApproval['request']): boolean {
    const entry = this.entries.get(request.uuid);
    if (!entry) return false;
    entry.approval = { ...entry.approval, request };
    return true;
  }

  /** Removes a request; returns it when it was queued. */
  remove(uuid: string): PendingApproval | null {
    const entry = this.entries.get(uuid);
    if (!entry) return null;
    clearTimeout(entry.timer);
    this.entries.delete(uuid);
    return entry.approval;
  }

  /** Oldest request first (by the server's creation time), expired ones left out even if a timer is late. */
  list(): PendingApproval[] {
    const now = this.clock.now();
    return [...this.entries.values()]
      .filter((entry) => entry.expiresAt > now)
      .map((entry) => entry.approval)
      .sort(
        (a, b) => a.request.created.localeCompare(b.request.created) || a.request.uuid.localeCompare(b.request.uuid),
      );
  }

  forAccount(accountId: string): PendingApproval[] {
    return this.list().filter((approval) => approval.accountId === accountId);
  }

  clear(): void {
    for (const entry of this.entries.values()) clearTimeout(entry.timer);
    this.entries.clear();
  }

  private expire(uuid: string): void {
    const approval = this.remove(uuid);
    if (approval) this.onExpired(approval);
  }
}
