// Grants: approvals that cover more than one session. Made with a decision's scope or pre-authorised by a device,
// consumed by session attempts that match them, revoked by the owner (or with their key). Every rule that counts
// (max_uses, a revoke racing a session) runs under the key's hold (credentials.hold), so on PostgreSQL every
// instance waits its turn for the key and N uses open exactly N sessions.
import {
  ErrorText,
  GRANT_DURATION_MINUTES,
  type DecisionScope,
  type GrantCreate,
  MAX_GRANT_MINUTES,
} from '../../protocol/index.js';
import { Refusal } from '../domain/refusal.js';
import { emitWebhook } from '../webhooks/emit.js';
import { grantMessage } from '../views/grant-views.js';
import { inNetwork, parseNetwork, requestNetwork } from '../network.js';
import type { Outbox } from '../push/outbox.js';
import type { CredentialRow, DeviceRow, GrantRow, Repositories, SessionRequestRow } from '../store/types.js';
import type { ServiceContext } from './context.js';
import { rejectPendingOfKey } from './credentials.js';
import { transactionWithOutbox } from './transaction.js';

const notFound = () => new Refusal('not-found', ErrorText.NOT_FOUND);
const KIND_ORDER = { installation: 0, network: 1, anywhere: 2 } as const;

/** What a session attempt offers a grant: where it comes from, and which installation signed it. */
export interface GrantCandidate {
  ip: string;
  installationId: number | null;
}

export function grantCovers(grant: GrantRow, attempt: GrantCandidate): boolean {
  switch (grant.kind) {
    case 'installation':
      return attempt.installationId !== null && grant.installationId === attempt.installationId;
    case 'network':
      return grant.network !== null && inNetwork(attempt.ip, grant.network);
    case 'anywhere':
      return true;
  }
}

/**
 * Inside a transaction that holds the key: the live grant that lets the attempt in, its use counted; null when none
 * does. The narrowest grant is used first (installation, then network, then anywhere; the soonest to expire first).
 */
export async function consumeGrant(
  tx: Repositories,
  credential: CredentialRow,
  attempt: GrantCandidate,
  now: number,
): Promise<GrantRow | null> {
  // Never in ip-only: there the permitted IPs alone decide.
  if (credential.mode === 'ip-only') return null;
  // The held row counts the key's grants not revoked: without any there is nothing to look through.
  if (credential.unrevokedGrantCount === 0) return null;
  const live = (await tx.grants.listByCredential(credential.id, now)).filter((grant) => grantCovers(grant, attempt));
  live.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.expiresAt - b.expiresAt || a.id - b.id);
  for (const grant of live) {
    if (await tx.grants.consume(grant.id, now)) return (await tx.grants.byId(grant.id))!;
  }
  return null;
}

/** Inside a transaction: revokes every live grant of the key (it was deactivated, or "this wasn't me"). */
export async function revokeLiveGrants(
  tx: Repositories,
  credentialId: number,
  now: number,
  byDeviceId: number | null,
  outbox: Outbox,
): Promise<number> {
  let revoked = 0;
  for (const grant of await tx.grants.listByCredential(credentialId, now)) {
    if (!(await tx.grants.revoke(grant.id, now, byDeviceId))) continue;
    revoked += 1;
    const revokedRow = (await tx.grants.byId(grant.id))!;
    outbox.toUser(grant.userId, grantMessage('revoked', revokedRow, now));
    await grantWebhook(tx, 'revoked', revokedRow, now);
  }
  return revoked;
}

/**
 * Inside the decision's transaction, before anything is written: the grant the APPROVE's scope asks for, or null
 * for none (session, permit-ip). Refuses a scope that cannot be granted (400/409), which rolls the decision back.
 */
export function grantFromScope(
  scope: DecisionScope | undefined,
  credential: CredentialRow,
  request: SessionRequestRow,
  device: DeviceRow,
  now: number,
) {
  if (scope === undefined || scope.kind === 'session' || scope.kind === 'permit-ip') return null;
  if (credential.mode === 'ip-only') throw new Refusal('conflict', ErrorText.GRANT_MODE);
  if (scope.kind === 'installation' && request.installation === null) {
    throw new Refusal('invalid', ErrorText.GRANT_NEEDS_INSTALLATION);
  }
  return {
    credentialId: credential.id,
    userId: credential.userId,
    kind: scope.kind,
    installationId: scope.kind === 'installation' ? request.installation!.id : null,
    network: scope.kind === 'network' ? requestNetwork(request.ip) : null,
    created: now,
    createdByDeviceId: device.id,
    requestUuid: request.uuid,
    expiresAt: now + GRANT_DURATION_MINUTES[scope.duration] * 60_000,
    maxUses: scope.max_uses ?? null,
  };
}

export interface NotMeOutcome {
  credentialId: number;
  grantsRevoked: number;
  sessionsEnded: number;
  requestsRejected: number;
}

export class GrantService {
  constructor(private readonly ctx: ServiceContext) {}

  private now(): number {
    return this.ctx.config.now();
  }

  private async credentialOf(tx: Repositories, userId: number, credentialId: number): Promise<CredentialRow> {
    const credential = await tx.credentials.hold(credentialId);
    if (!credential || credential.userId !== userId) throw notFound();
    return credential;
  }

  /** The key's grants, newest first: live ones, or every one. */
  async list(userId: number, credentialId: number, all: boolean): Promise<GrantRow[]> {
    const credential = await this.ctx.store.read((db) => db.credentials.byId(credentialId));
    if (!credential || credential.userId !== userId) throw notFound();
    return this.ctx.store.read((db) => db.grants.listByCredential(credentialId, all ? undefined : this.now()));
  }

  /** Pre-authorises sessions of the key without a pending request. */
  async create(device: DeviceRow, credentialId: number, body: GrantCreate): Promise<GrantRow> {
    let network: string | null = null;
    if (body.network !== undefined) {
      const parsed = parseNetwork(body.network);
      if (!parsed.ok) throw new Refusal('invalid', `network: ${parsed.problem}`);
      network = parsed.network;
    }
    return transactionWithOutbox(this.ctx, async (tx, outbox) => {
      const now = this.now();
      const credential = await this.credentialOf(tx, device.userId, credentialId);
      if (credential.mode === 'ip-only') throw new Refusal('conflict', ErrorText.GRANT_MODE);
      if (body.installation_id !== undefined) {
        const installation = await tx.installations.byId(body.installation_id);
        if (!installation || installation.credentialId !== credential.id) {
          throw new Refusal('invalid', 'installation_id: no installation with this id is registered with this key');
        }
      }
      const grant = await tx.grants.create({
        credentialId: credential.id,
        userId: credential.userId,
        kind: body.scope,
        installationId: body.installation_id ?? null,
        network,
        created: now,
        createdByDeviceId: device.id,
        requestUuid: null,
        expiresAt: now + (body.minutes ?? MAX_GRANT_MINUTES) * 60_000,
        maxUses: body.max_uses ?? null,
      });
      outbox.toUser(grant.userId, grantMessage('created', grant, now));
      await grantWebhook(tx, 'created', grant, now);
      return grant;
    });
  }

  /**
   * Revokes the grant at once (the next attempt it would have let in asks the owner), optionally ending the
   * sessions it opened. Revoking a revoked grant changes nothing but may still end its sessions.
   */
  async revoke(device: DeviceRow, credentialId: number, grantId: number, endSessions: boolean) {
    return transactionWithOutbox(this.ctx, async (tx, outbox) => {
      const now = this.now();
      const credential = await this.credentialOf(tx, device.userId, credentialId);
      const grant = await tx.grants.byId(grantId);
      if (!grant || grant.credentialId !== credential.id) throw notFound();
      const revoked = await tx.grants.revoke(grant.id, now, device.id);
      const sessionsEnded = endSessions ? await tx.sessions.endAllOfGrant(grant.id, now) : 0;
      const row = (await tx.grants.byId(grant.id))!;
      if (revoked) {
        outbox.toUser(row.userId, grantMessage('revoked', row, now));
        await grantWebhook(tx, 'revoked', row, now);
      }
      return { grant: row, sessionsEnded };
    });
  }

  /**
   * "This wasn't me": every live grant of the key revoked, the key INACTIVE (its PENDING requests refused) and
   * every open session of it ended — one transaction, so nothing opens in between.
   */
  async notMe(device: DeviceRow, credentialId: number): Promise<NotMeOutcome> {
    return transactionWithOutbox(this.ctx, async (tx, outbox) => {
      const now = this.now();
      const credential = await this.credentialOf(tx, device.userId, credentialId);
      const grantsRevoked = await revokeLiveGrants(tx, credential.id, now, device.id, outbox);
      if (credential.status !== 'INACTIVE')
        await tx.credentials.update(credential.id, { status: 'INACTIVE', updated: now });
      const sessionsEnded = await tx.sessions.endAllOfCredential(credential.id, now);
      const requestsRejected = await rejectPendingOfKey(tx, credential.id, now, outbox);
      return { credentialId: credential.id, grantsRevoked, sessionsEnded, requestsRejected };
    });
  }
}

/** Inside the grant's own transaction: the grant.created / grant.revoked / grant.used webhook (ids and facts). */
export async function grantWebhook(
  tx: Repositories,
  change: 'created' | 'revoked' | 'used',
  grant: GrantRow,
  now: number,
): Promise<void> {
  await emitWebhook(
    tx,
    `grant.${change}`,
    {
      grant_id: grant.id,
      credential_id: grant.credentialId,
      user_id: grant.userId,
      scope: grant.kind,
      installation_id: grant.installationId,
      network: grant.network,
      expires_at: new Date(grant.expiresAt).toISOString(),
      max_uses: grant.maxUses,
      uses: grant.uses,
      device_id: change === 'revoked' ? grant.revokedByDeviceId : change === 'created' ? grant.createdByDeviceId : null,
    },
    now,
  );
}
