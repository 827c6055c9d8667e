// The live grants of every account, per key, as the push stream tells them (grant.changed) and a list after each
// connect resyncs them. A message carries the grant as it is, so each is kept by id and replaced: a repeated or late
// message changes nothing wrong. A grant that is no longer ACTIVE, or whose time ran out (the server sends nothing
// for that), leaves the list. Every change emits the whole list ('grants:changed').
import type { Grant } from '../../protocol/index.js';
import type { KeyGrants } from './api.js';
import type { Clock } from './clock.js';
import type { CoreEventEmitter } from './events.js';

export class GrantTracker {
  /** accountId → grant id → grant. */
  private readonly byAccount = new Map<string, Map<number, Grant>>();
  /** accountId → ids of grants seen revoked, used up or expired: a late message about them must not bring them back. */
  private readonly ended = new Map<string, Set<number>>();
  /**
   * The last state of every grant seen, live or not, to name the grant behind a session.opened: a grant used up by
   * that very session has left the live list when its session's notice is made.
   */
  private readonly lastSeen = new Map<string, Map<number, Grant>>();
  private expiryTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly events: CoreEventEmitter,
    private readonly clock: Clock,
  ) {}

  /** A grant.changed message: keep the grant if it is live, drop it otherwise. */
  changed(accountId: string, grant: Grant): void {
    const grants = this.grantsOf(accountId);
    const ended = this.endedOf(accountId);
    if (!this.live(grant)) {
      this.remember(accountId, grant);
      ended.add(grant.id);
      if (grants.delete(grant.id)) this.emit();
      return;
    }
    const before = grants.get(grant.id);
    // A late message (an older state of a grant that ended, or fewer uses than known) changes nothing.
    if (ended.has(grant.id) || (before && before.uses > grant.uses)) return;
    this.remember(accountId, grant);
    grants.set(grant.id, grant);
    this.emit();
  }

  /** A fresh list of the key's live grants from the server (after a connect): replaces what was kept for it. */
  replaceKey(accountId: string, credentialId: number, live: Grant[]): void {
    const grants = this.grantsOf(accountId);
    for (const [id, grant] of grants) if (grant.credential_id === credentialId) grants.delete(id);
    // The server's list is the truth at the moment it was read; a grant.changed that told of its end since stays.
    const ended = this.endedOf(accountId);
    for (const grant of live) {
      if (!this.live(grant) || ended.has(grant.id)) continue;
      this.remember(accountId, grant);
      grants.set(grant.id, grant);
    }
    this.emit();
  }

  /** Keys the account no longer has: their grants go. */
  keepKeys(accountId: string, credentialIds: ReadonlySet<number>): void {
    const grants = this.grantsOf(accountId);
    for (const [id, grant] of grants) if (!credentialIds.has(grant.credential_id)) grants.delete(id);
  }

  /** The grant as last seen (live or not), to name it. */
  get(accountId: string, grantId: number): Grant | undefined {
    return this.lastSeen.get(accountId)?.get(grantId);
  }

  dropAccount(accountId: string): void {
    this.ended.delete(accountId);
    this.lastSeen.delete(accountId);
    if (this.byAccount.delete(accountId)) this.emit();
  }

  /** Every key's live grants, keys in id order, each key's grants soonest-expiring first. */
  list(): KeyGrants[] {
    const now = this.clock.now();
    const out: KeyGrants[] = [];
    for (const [accountId, grants] of this.byAccount) {
      const byKey = new Map<number, Grant[]>();
      for (const grant of grants.values()) {
        if (Date.parse(grant.expires_at) <= now) continue;
        byKey.set(grant.credential_id, [...(byKey.get(grant.credential_id) ?? []), grant]);
      }
      for (const [credentialId, list] of [...byKey].sort((a, b) => a[0] - b[0])) {
        list.sort((a, b) => a.expires_at.localeCompare(b.expires_at) || a.id - b.id);
        out.push({ accountId, credentialId, grants: list });
      }
    }
    return out;
  }

  /** How many live grants there are (the tray's "Active grants (N)"). */
  count(): number {
    return this.list().reduce((sum, key) => sum + key.grants.length, 0);
  }

  stop(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    this.byAccount.clear();
    this.ended.clear();
    this.lastSeen.clear();
  }

  private live(grant: Grant): boolean {
    return grant.status === 'ACTIVE' && Date.parse(grant.expires_at) > this.clock.now();
  }

  private remember(accountId: string, grant: Grant): void {
    const seen = this.lastSeen.get(accountId) ?? new Map<number, Grant>();
    this.lastSeen.set(accountId, seen);
    seen.delete(grant.id);
    seen.set(grant.id, grant);
    // Bounded: the oldest-seen go first.
    if (seen.size > 1000) seen.delete(seen.keys().next().value as number);
  }

  private endedOf(accountId: string): Set<number> {
    let ended = this.ended.get(accountId);
    if (!ended) {
      ended = new Set();
      this.ended.set(accountId, ended);
    }
    return ended;
  }

  private grantsOf(accountId: string): Map<number, Grant> {
    let grants = this.byAccount.get(accountId);
    if (!grants) {
      grants = new Map();
      this.byAccount.set(accountId, grants);
    }
    return grants;
  }

  private emit(): void {
    this.events.emit('grants:changed', this.list());
    this.scheduleExpiry();
  }

  /** The server says nothing when a grant's time runs out: emit again when the next one does. */
  private scheduleExpiry(): void {
    if (this.expiryTimer) clearTimeout(this.expiryTimer);
    this.expiryTimer = null;
    const now = this.clock.now();
    let next = Number.POSITIVE_INFINITY;
    for (const grants of this.byAccount.values())
      for (const grant of grants.values()) {
        const at = Date.parse(grant.expires_at);
        if (at > now && at < next) next = at;
      }
    if (!Number.isFinite(next)) return;
    // setTimeout's longest wait is about 24.8 days; a grant lasts at most 7.
    this.expiryTimer = setTimeout(() => this.expire(), Math.min(next - now + 50, 2 ** 31 - 1));
    this.expiryTimer.unref();
  }

  private expire(): void {
    const now = this.clock.now();
    for (const grants of this.byAccount.values())
      for (const [id, grant] of grants) if (Date.parse(grant.expires_at) <= now) grants.delete(id);
    this.emit();
  }
}
