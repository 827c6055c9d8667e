// API keys (credential-password-ip) and their permitted IPs: what the owner manages from a device and the admin
// from the command line. A key's value is shown once, at creation; only its hash is kept.
import { ErrorText, type IpStatus, type KeyMode, Limits } from '../../protocol/index.js';
import { Refusal } from '../domain/refusal.js';
import { lockedMessage } from '../views/wire.js';
import { normalizeIp } from '../ip.js';
import type { Outbox } from '../push/outbox.js';
import { hashSecret, newApiKey } from '../secrets.js';
import type {
  CredentialChanges,
  KeyUse,
  CredentialRow,
  PermittedIpRow,
  Repositories,
  SessionRequestRow,
} from '../store/types.js';
import { emitWebhook } from '../webhooks/emit.js';
import type { ServiceContext } from './context.js';
import { revokeLiveGrants } from './grants.js';
import { transactionWithOutbox } from './transaction.js';

export interface NewKey {
  name: string;
  mode: KeyMode;
  /** Digits of the typed code; wins over numberMatching. Without either: the default length. */
  codeLength?: number;
  /** Older clients: true = the default length, false = no code. */
  numberMatching?: boolean;
  allowCodeFallback?: boolean;
  ips?: string[];
}

export interface KeyChanges {
  status?: 'ACTIVE' | 'INACTIVE';
  mode?: KeyMode;
  name?: string;
  codeLength?: number;
  /** Older clients: true gives a key without a code the default length (one with a code keeps its own), false none. */
  numberMatching?: boolean;
  allowCodeFallback?: boolean;
}

/** The code length a new key gets. */
function newCodeLength(key: Pick<NewKey, 'codeLength' | 'numberMatching'>): number {
  if (key.codeLength !== undefined) return key.codeLength;
  return key.numberMatching === false ? 0 : Limits.DEFAULT_CODE_LENGTH;
}

/** The code length after a change, or undefined for none. */
function changedCodeLength(current: number, changes: Pick<KeyChanges, 'codeLength' | 'numberMatching'>) {
  if (changes.codeLength !== undefined) return changes.codeLength;
  if (changes.numberMatching === undefined) return undefined;
  if (!changes.numberMatching) return 0;
  return current > 0 ? current : Limits.DEFAULT_CODE_LENGTH;
}

const notFound = () => new Refusal('not-found', ErrorText.NOT_FOUND);

/** What one use of a key records on it (the program it came from, by description or else User-Agent). */
export function keyUse(use: { description: string | null; userAgent: string | null; ip: string }, now: number): KeyUse {
  return {
    lastUsed: now,
    permittedDeviceDescription: use.description ?? use.userAgent ?? '',
    permittedDeviceIp: use.ip,
    updated: now,
  };
}

/** Whether a key may open sessions at all (any mode, any IP). */
export function keyUsable(credential: CredentialRow, now: number): boolean {
  if (credential.status === 'ACTIVE') return true;
  return credential.status === 'PENDING_FIRST_USE' && (credential.expiryTime === null || credential.expiryTime > now);
}

/**
 * Deactivates a key completely: no new sessions, no pending approvals, and the sessions it already opened end too —
 * the owner deactivates a key they no longer trust, and a session opened with it is just as untrusted.
 */
export async function deactivateKey(tx: Repositories, credentialId: number, now: number, outbox: Outbox) {
  await tx.credentials.update(credentialId, { status: 'INACTIVE', updated: now });
  const ended = await endSessionsOfKey(tx, credentialId, now, 'key_deactivated');
  await rejectPendingOfKey(tx, credentialId, now, outbox);
  // Its grants end with it: setting the key ACTIVE again must not bring back trust the owner gave before.
  await revokeLiveGrants(tx, credentialId, now, null, outbox);
  const userId = (await tx.credentials.byId(credentialId))!.userId;
  await emitWebhook(
    tx,
    'key.deactivated',
    { credential_id: credentialId, user_id: userId, sessions_ended: ended },
    now,
  );
}

/** Ends the key's open sessions, each announced by a session.ended webhook; returns how many ended. */
async function endSessionsOfKey(
  tx: Repositories,
  credentialId: number,
  now: number,
  reason: 'key_deactivated' | 'key_locked',
): Promise<number> {
  const ids = await tx.sessions.openIdsOfCredential(credentialId, now);
  if (ids.length === 0) return 0;
  const ended = await tx.sessions.endAllOfCredential(credentialId, now);
  const userId = (await tx.credentials.byId(credentialId))!.userId;
  for (const id of ids) {
    await emitWebhook(
      tx,
      'session.ended',
      { session_id: id, credential_id: credentialId, user_id: userId, reason },
      now,
    );
  }
  return ended;
}

/**
 * The third refusal within the lock window (BLOCK decisions and wrong TOTP codes count together) locks the key: a
 * lock means someone who should not is using it, so the sessions it opened end (as on deactivation) and its PENDING
 * requests are rejected. The owner's devices are told why, naming what was counted and how many sessions ended; the
 * lock is recorded so that an instance that missed the notice can still tell them.
 */
export async function lockIfTooManyRefusals(
  tx: Repositories,
  credential: CredentialRow,
  now: number,
  outbox: Outbox,
  counted: string,
): Promise<void> {
  if (credential.status === 'LOCKED' || credential.status === 'INACTIVE') return;
  const since = Math.max(now - Limits.LOCK_WINDOW_SECONDS * 1000, credential.blocksCountedSince);
  if ((await tx.requests.countBlocks(credential.id, since)) < Limits.LOCK_AFTER_BLOCKS) return;
  await tx.credentials.update(credential.id, { status: 'LOCKED', updated: now });
  const sessionsEnded = await endSessionsOfKey(tx, credential.id, now, 'key_locked');
  await rejectPendingOfKey(tx, credential.id, now, outbox);
  const lock = await tx.locks.record({
    credentialId: credential.id,
    userId: credential.userId,
    lockedAt: now,
    reason: lockReason(counted, sessionsEnded),
    sessionsEnded,
  });
  outbox.toUser(credential.userId, lockedMessage(lock, credential.name));
  await emitWebhook(
    tx,
    'key.locked',
    { credential_id: credential.id, user_id: credential.userId, sessions_ended: sessionsEnded, reason: lock.reason },
    now,
  );
}

function lockReason(counted: string, sessionsEnded: number): string {
  const ended = sessionsEnded === 1 ? '1 session ended' : `${sessionsEnded} sessions ended`;
  return `Locked after ${Limits.LOCK_AFTER_BLOCKS} ${counted} within ${Limits.LOCK_WINDOW_SECONDS / 60} minutes; ${ended}. Set it ACTIVE again to unlock it.`;
}

/** Rejects the key's PENDING requests: it can no longer open sessions (deactivated or locked). How many. */
export async function rejectPendingOfKey(
  tx: Repositories,
  credentialId: number,
  now: number,
  outbox: Outbox,
): Promise<number> {
  let rejected = 0;
  for (const request of await tx.requests.pendingForCredential(credentialId)) {
    if (!(await tx.requests.rejectPending(request.uuid, now))) continue;
    rejected += 1;
    outbox.resolved(request.userId, request.uuid, 'REJECTED');
    await emitWebhook(tx, 'session_request.rejected', { ...requestFacts(request), reason: 'key_unusable' }, now);
  }
  return rejected;
}

/** The ids and facts of a session request that every session_request.* webhook carries. */
export function requestFacts(request: SessionRequestRow) {
  return {
    request_uuid: request.uuid,
    user_id: request.userId,
    credential_id: request.credentialId,
    ip: request.ip,
  };
}

export class CredentialService {
  constructor(private readonly ctx: ServiceContext) {}

  private now(): number {
    return this.ctx.config.now();
  }

  async list(userId: number): Promise<CredentialRow[]> {
    return this.ctx.store.read((db) => db.credentials.listByUser(userId));
  }

  async read(userId: number, id: number): Promise<CredentialRow> {
    const credential = await this.ctx.store.read((db) => db.credentials.byId(id));
    if (!credential || credential.userId !== userId) throw notFound();
    return credential;
  }

  /** Creates a key; the returned apiKey is the only time its value exists outside the caller. */
  async create(userId: number, key: NewKey): Promise<{ credential: CredentialRow; apiKey: string }> {
    const apiKey = newApiKey();
    return { credential: await this.register(userId, key, hashSecret(apiKey)), apiKey };
  }

  /**
   * Adds a key the caller already issued, known here only by its SHA-256 (hex): the operator API imports keys so
   * the value never travels. 409 when a key with that hash exists.
   */
  async register(userId: number, key: NewKey, keyHash: string): Promise<CredentialRow> {
    const ips = [...new Set((key.ips ?? []).map(normalizeIp))];
    const now = this.now();
    return this.ctx.store.transaction(async (tx) => {
      const owner = await tx.users.hold(userId);
      if (!owner || owner.removed !== null) throw notFound();
      if (await tx.credentials.byKeyHash(keyHash))
        throw new Refusal('conflict', 'key_sha256: a key with this hash exists');
      const created = await tx.credentials.create({
        userId,
        name: key.name,
        keyHash,
        mode: key.mode,
        codeLength: newCodeLength(key),
        allowCodeFallback: key.allowCodeFallback ?? false,
        created: now,
        expiryTime: now + this.ctx.config.firstUseLifetimeSeconds * 1000,
      });
      for (const ip of ips) await tx.permittedIps.create(created.id, ip, 'ACTIVE', now);
      await emitWebhook(
        tx,
        'key.created',
        { credential_id: created.id, user_id: userId, mode: key.mode, name: key.name, permitted_ips: ips.length },
        now,
      );
      return (await tx.credentials.byId(created.id))!;
    });
  }

  async update(userId: number, id: number, changes: KeyChanges): Promise<CredentialRow> {
    return transactionWithOutbox(this.ctx, async (tx, outbox) => {
      const credential = await tx.credentials.hold(id);
      if (!credential || credential.userId !== userId) throw notFound();
      const now = this.now();
      const row: CredentialChanges = {
        mode: changes.mode,
        name: changes.name,
        codeLength: changedCodeLength(credential.codeLength, changes),
        allowCodeFallback: changes.allowCodeFallback,
        updated: now,
      };
      if (changes.status === 'ACTIVE' && credential.status !== 'ACTIVE') {
        row.status = 'ACTIVE';
        row.expiryTime = null;
        // Lifting a lock starts the count of blocks afresh, or the next block would lock the key again at once.
        if (credential.status === 'LOCKED') row.blocksCountedSince = now;
      } else if (changes.status === 'INACTIVE' && credential.status !== 'INACTIVE') {
        await deactivateKey(tx, id, now, outbox);
      }
      await tx.credentials.update(id, row);
      return (await tx.credentials.byId(id))!;
    });
  }

  async listIps(userId: number, credentialId: number): Promise<PermittedIpRow[]> {
    await this.read(userId, credentialId);
    return this.ctx.store.read((db) => db.permittedIps.listByCredential(credentialId));
  }

  async readIp(userId: number, credentialId: number, ipId: number): Promise<PermittedIpRow> {
    await this.read(userId, credentialId);
    const ip = await this.ctx.store.read((db) => db.permittedIps.byId(ipId));
    if (!ip || ip.credentialId !== credentialId) throw notFound();
    return ip;
  }

  async addIp(userId: number, credentialId: number, value: string, status: IpStatus): Promise<PermittedIpRow> {
    const ip = normalizeIp(value);
    return this.ctx.store.transaction(async (tx) => {
      const credential = await tx.credentials.hold(credentialId);
      if (!credential || credential.userId !== userId) throw notFound();
      const existing = (await tx.permittedIps.listByCredential(credentialId)).find((row) => row.ip === ip);
      if (existing) {
        throw new Refusal(
          'invalid',
          `ip: ${ip} is already listed for this key (id ${existing.id}); change its status instead.`,
        );
      }
      const now = this.now();
      const created = await tx.permittedIps.create(credentialId, ip, status, now);
      await tx.credentials.update(credentialId, { updated: now });
      return created;
    });
  }

  async updateIp(
    userId: number,
    credentialId: number,
    ipId: number,
    change: { status: IpStatus; ip?: string },
  ): Promise<PermittedIpRow> {
    return this.ctx.store.transaction(async (tx) => {
      const credential = await tx.credentials.hold(credentialId);
      if (!credential || credential.userId !== userId) throw notFound();
      const row = await tx.permittedIps.byId(ipId);
      if (!row || row.credentialId !== credentialId) throw notFound();
      if (change.ip !== undefined && normalizeIp(change.ip) !== row.ip)
        throw new Refusal('invalid', ErrorText.IP_IMMUTABLE);
      const now = this.now();
      await tx.permittedIps.setStatus(ipId, change.status, now);
      await tx.credentials.update(credentialId, { updated: now });
      return (await tx.permittedIps.byId(ipId))!;
    });
  }

  /** Inside a transaction: a session opened with the key (first use activates it; the owner sees who used it). */
  static async recordUse(
    tx: Repositories,
    credential: CredentialRow,
    use: { description: string | null; userAgent: string | null; ip: string },
    now: number,
  ): Promise<void> {
    await tx.credentials.update(credential.id, keyUse(use, now));
    await CredentialService.activateOnFirstUse(tx, credential, now);
  }

  /** A key's first session makes it ACTIVE: its first-use deadline no longer applies. */
  static async activateOnFirstUse(tx: Repositories, credential: CredentialRow, now: number): Promise<void> {
    if (credential.status !== 'PENDING_FIRST_USE') return;
    await tx.credentials.update(credential.id, { status: 'ACTIVE', expiryTime: null, updated: now });
  }
}
