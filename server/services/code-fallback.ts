// The offline fallback: a TOTP code from one of the key owner's devices opens a session at once, in place of a
// push approval (for keys whose owner allowed it). Each (device, time step) is accepted once; a wrong code is
// recorded in the history and counts toward the key's lock like a BLOCK.
import { randomUUID } from 'node:crypto';
import { ErrorText } from '../../protocol/index.js';
import { matchTotp, TOTP_SKEW_STEPS, TOTP_STEP_SECONDS } from '../../protocol/totp.js';
import { Refusal } from '../domain/refusal.js';
import type { Outbox } from '../push/outbox.js';
import { hashSecret } from '../secrets.js';
import type { CredentialRow, Repositories } from '../store/types.js';
import type { TotpSealer } from '../totp-seal.js';
import { codeScope, type RateLimiter, rateLimited } from '../limits/rate-limiter.js';
import type { ServiceContext } from './context.js';
import { emitWebhook } from '../webhooks/emit.js';
import { type SessionAttempt, sessionOpenedWebhook } from './approvals.js';
import { CredentialService, keyUsable, lockIfTooManyRefusals, requestFacts } from './credentials.js';
import type { OpenedSession, SessionService } from './sessions.js';
import { transactionWithOutbox } from './transaction.js';

/** A used step can no longer match once it is this far behind the clock; older records are pruned. */
export const USED_STEP_RETENTION_MS = (2 * TOTP_SKEW_STEPS + 2) * TOTP_STEP_SECONDS * 1000;
/** Used steps an accepted code prunes inside its own transaction, so that it never holds the lock for long. */
const USED_STEPS_PRUNED_PER_CODE = 100;

/** Any refusal of a code: 401 with bunq's wording, and one failure more for the caller's IP and the key named. */
export class CodeRefused extends Refusal {
  constructor() {
    super('unauthenticated', ErrorText.BAD_CREDENTIALS);
  }
}

export type CodeOutcome = { credential: CredentialRow } & OpenedSession;

export class CodeFallbackService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly sessions: SessionService,
    private readonly sealer: TotpSealer,
    /**
     * Refused codes per address, counted per key named, so that guesses with unknown keys from a shared address
     * lock out nobody with a real key. With the lock after 3 per key, guessing a 6-digit code is hopeless.
     */
    private readonly failures: RateLimiter,
  ) {}

  /** Seals and stores a newly paired device's secret. */
  async storeSecret(tx: Repositories, deviceId: number, secret: Buffer): Promise<void> {
    await tx.totp.setSecret(deviceId, this.sealer.seal(secret, deviceId));
  }

  /**
   * Opens a session for a valid, unused code, or refuses with the same 401 whatever the reason (unknown key, key
   * without code fallback, IP not permitted for an ip-only key, wrong or used code), so a refusal tells nothing.
   * Each refusal counts toward the address's limit for the key named; an address over it gets 429 first.
   */
  async attempt(attempt: SessionAttempt, code: string): Promise<CodeOutcome> {
    const credential = await this.ctx.store.read((db) => db.credentials.byKeyHash(hashSecret(attempt.secret)));
    const scope = codeScope(credential?.id ?? null);
    const wait = await this.failures.blocked(attempt.ip, scope);
    if (wait !== null) throw rateLimited(wait);
    try {
      return await this.tryCode(credential, attempt, code);
    } catch (error) {
      if (error instanceof CodeRefused) await this.failures.fail(attempt.ip, scope);
      throw error;
    }
  }

  private async tryCode(credential: CredentialRow | null, attempt: SessionAttempt, code: string): Promise<CodeOutcome> {
    if (!credential || !keyUsable(credential, this.ctx.config.now()) || !credential.allowCodeFallback) {
      throw new CodeRefused();
    }
    // The code replaces the push, not the allowlist: an ip-only key still opens only from its permitted IPs.
    if (credential.mode === 'ip-only') {
      const ips = await this.ctx.store.read((db) => db.permittedIps.listByCredential(credential.id));
      if (!ips.some((row) => row.status === 'ACTIVE' && (row.ip === attempt.ip || row.ip === '*'))) {
        throw new CodeRefused();
      }
    }
    const outcome = await transactionWithOutbox(this.ctx, (tx, outbox) =>
      this.check(tx, credential.id, attempt, code, outbox),
    );
    if (!outcome) throw new CodeRefused();
    return outcome;
  }

  private async check(
    tx: Repositories,
    credentialId: number,
    attempt: SessionAttempt,
    code: string,
    outbox: Outbox,
  ): Promise<CodeOutcome | null> {
    const now = this.ctx.config.now();
    const credential = await tx.credentials.hold(credentialId);
    if (!credential || !keyUsable(credential, now)) throw new CodeRefused();
    const deviceId = await this.matchingDevice(tx, credential.userId, code, now);
    const fields = {
      uuid: randomUUID(),
      credentialId: credential.id,
      userId: credential.userId,
      description: attempt.description,
      ip: attempt.ip,
      ipKnown: false,
      userAgent: attempt.userAgent,
      geolocation: attempt.geolocation,
      observed: attempt.observed,
      created: now,
      expiryTime: now,
      bindingCode: null,
      bindingChoices: null,
      autoAccepted: false,
      decidedAt: now,
    };
    if (deviceId === null) {
      // Recorded (and committed) so the owner sees the attempt and the lock counts it.
      const refused = await tx.requests.create({
        ...fields,
        status: 'REJECTED',
        tokenDelivered: false,
        sessionId: null,
        wrongCode: true,
      });
      await emitWebhook(tx, 'session_request.rejected', { ...requestFacts(refused), reason: 'wrong_code' }, now);
      await lockIfTooManyRefusals(tx, credential, now, outbox, 'blocked session requests or wrong codes');
      return null;
    }
    const opened = await this.sessions.open(
      tx,
      { credentialId: credential.id, userId: credential.userId },
      attempt.ip,
      now,
    );
    const request = await tx.requests.create({
      ...fields,
      status: 'ACCEPTED',
      tokenDelivered: true,
      sessionId: opened.session.id,
      approvedByCode: true,
      decidedByDeviceId: deviceId,
    });
    await sessionOpenedWebhook(tx, opened, request, now);
    await CredentialService.recordUse(tx, credential, attempt, now);
    // A few at most: each code prunes what has aged out since the last one (the sweeper prunes the rest).
    await tx.totp.pruneUsedStepsOlderThan(now - USED_STEP_RETENTION_MS, USED_STEPS_PRUNED_PER_CODE);
    return { credential: (await tx.credentials.byId(credential.id))!, ...opened };
  }

  /**
   * A secret sealed under another key (the operator changed --totp-key or lost the key file) cannot be opened: that
   * device's codes then fail like wrong ones, until it pairs again, rather than failing the request with a 5xx.
   */
  private openSecret(sealed: string, deviceId: number): Buffer | null {
    try {
      return this.sealer.open(sealed, deviceId);
    } catch {
      return null;
    }
  }

  /** The device whose code this is, spending its step; null for a wrong or already used code. */
  private async matchingDevice(tx: Repositories, userId: number, code: string, now: number): Promise<number | null> {
    for (const { deviceId, sealed } of await tx.totp.secretsOfUser(userId)) {
      const secret = this.openSecret(sealed, deviceId);
      if (!secret) continue;
      const step = matchTotp(secret, code, now);
      if (step !== null && (await tx.totp.spendStep(deviceId, step, now))) return deviceId;
    }
    return null;
  }
}
