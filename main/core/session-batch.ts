// Sessions that opened without asking the owner (session.opened: under a grant, or by a permitted IP), gathered into
// one quiet notice per key and cause every few seconds: "2 sessions opened for ci-bot under 'runner-3, 8 h'". The
// server may send a message twice; each request_uuid counts once. The notices wait in memory, newest first, until
// dismissed (or "This wasn't me" answers them); 'grants:sessions-opened' tells the shell about each new batch.
import type { ServerMessage } from '../../protocol/index.js';
import type { SessionsOpenedCause, SessionsOpenedNotice } from './api.js';
import type { CoreEventEmitter } from './events.js';
import type { GrantTracker } from './grant-tracker.js';
import { grantLabel } from './grant-words.js';

type SessionOpened = Extract<ServerMessage, { type: 'session.opened' }>;

/** How long a batch gathers sessions before its notice goes out. */
export const DEFAULT_SESSION_BATCH_MS = 3000;
/** request_uuids remembered per account to drop repeats; older ones are forgotten first. */
const SEEN_LIMIT = 2000;
/** Undismissed notices kept; the oldest go first. */
const NOTICE_LIMIT = 50;

interface Batch {
  accountId: string;
  credentialId: number;
  credentialName: string;
  cause: SessionsOpenedCause;
  ips: Set<string>;
  count: number;
  firstAt: string;
  lastAt: string;
  timer: NodeJS.Timeout;
}

const quote = (text: string) => `'${text}'`;

export function summaryOf(notice: Omit<SessionsOpenedNotice, 'id' | 'summary'>): string {
  const sessions = `${notice.count} session${notice.count === 1 ? '' : 's'} opened for ${notice.credentialName}`;
  if (notice.cause.kind === 'grant') return `${sessions} under ${quote(notice.cause.label)}`;
  if (notice.cause.ip === '*') return `${sessions} because every IP is permitted for it`;
  return `${sessions} from permitted IP ${notice.cause.ip}`;
}

export class SessionBatcher {
  private readonly seen = new Map<string, Set<string>>();
  private readonly batches = new Map<string, Batch>();
  private notices: SessionsOpenedNotice[] = [];
  private sequence = 0;

  constructor(
    private readonly events: CoreEventEmitter,
    private readonly grants: GrantTracker,
    private readonly windowMs: number = DEFAULT_SESSION_BATCH_MS,
  ) {}

  received(accountId: string, message: SessionOpened): void {
    const seen = this.seen.get(accountId) ?? new Set<string>();
    this.seen.set(accountId, seen);
    if (seen.has(message.request_uuid)) return;
    seen.add(message.request_uuid);
    if (seen.size > SEEN_LIMIT) seen.delete(seen.values().next().value as string);

    const cause = this.causeOf(accountId, message);
    const key = `${accountId}|${message.credential.id}|${cause.kind === 'grant' ? `g${cause.grantId}` : `ip${cause.ip}`}`;
    const open = this.batches.get(key);
    if (open) {
      open.count += 1;
      open.ips.add(message.ip);
      if (message.at > open.lastAt) open.lastAt = message.at;
      if (message.at < open.firstAt) open.firstAt = message.at;
      return;
    }
    const timer = setTimeout(() => this.flush(key), this.windowMs);
    timer.unref();
    this.batches.set(key, {
      accountId,
      credentialId: message.credential.id,
      credentialName: message.credential.name,
      cause,
      ips: new Set([message.ip]),
      count: 1,
      firstAt: message.at,
      lastAt: message.at,
      timer,
    });
  }

  list(): SessionsOpenedNotice[] {
    return [...this.notices];
  }

  /** True when a notice was dismissed now. */
  dismiss(id: string): boolean {
    const before = this.notices.length;
    this.notices = this.notices.filter((notice) => notice.id !== id);
    const changed = this.notices.length !== before;
    if (changed) this.events.emit('grants:notices-changed', this.list());
    return changed;
  }

  /** The key's notices are answered (its grants revoked, the key deactivated): they go. */
  dismissKey(accountId: string, credentialId: number): void {
    const before = this.notices.length;
    this.notices = this.notices.filter((n) => n.accountId !== accountId || n.credentialId !== credentialId);
    if (this.notices.length !== before) this.events.emit('grants:notices-changed', this.list());
  }

  dropAccount(accountId: string): void {
    this.seen.delete(accountId);
    for (const [key, batch] of this.batches)
      if (batch.accountId === accountId) {
        clearTimeout(batch.timer);
        this.batches.delete(key);
      }
    this.dismissAccount(accountId);
  }

  stop(): void {
    for (const batch of this.batches.values()) clearTimeout(batch.timer);
    this.batches.clear();
    this.seen.clear();
    this.notices = [];
  }

  private dismissAccount(accountId: string): void {
    const before = this.notices.length;
    this.notices = this.notices.filter((n) => n.accountId !== accountId);
    if (this.notices.length !== before) this.events.emit('grants:notices-changed', this.list());
  }

  private causeOf(accountId: string, message: SessionOpened): SessionsOpenedCause {
    if (message.granted_by.kind === 'permitted_ip') return { kind: 'permitted_ip', ip: message.granted_by.ip };
    const grantId = message.granted_by.grant_id;
    const grant = this.grants.get(accountId, grantId);
    // The grant's own message usually comes first; without it, the session's installation still names it.
    const label = grant ? grantLabel(grant) : (message.installation?.name ?? `grant ${grantId}`);
    return { kind: 'grant', grantId, label };
  }

  private flush(key: string): void {
    const batch = this.batches.get(key);
    if (!batch) return;
    this.batches.delete(key);
    const fields = {
      accountId: batch.accountId,
      credentialId: batch.credentialId,
      credentialName: batch.credentialName,
      cause: batch.cause,
      count: batch.count,
      ips: [...batch.ips],
      firstAt: batch.firstAt,
      lastAt: batch.lastAt,
    };
    this.sequence += 1;
    const notice: SessionsOpenedNotice = {
      id: `${batch.accountId}:${batch.credentialId}:${batch.lastAt}:${this.sequence}`,
      ...fields,
      summary: summaryOf(fields),
    };
    this.notices = [notice, ...this.notices].slice(0, NOTICE_LIMIT);
    this.events.emit('grants:sessions-opened', notice);
    this.events.emit('grants:notices-changed', this.list());
  }
}
