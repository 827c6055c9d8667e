// The heart of Countersign: a session attempt with an API key either opens at once (ip-only, trusted IP),
// is refused, or waits as a PENDING request for the owner's signed decision; the requester polls for the outcome
// and receives the session token exactly once.
import { randomUUID } from 'node:crypto';
import {
  canonicalDecision,
  type Decision,
  ErrorText,
  type Geolocation,
  Limits,
  type RequestStatus,
} from '../../protocol/index.js';
import { publicKeyObject, verifyText } from '../../protocol/crypto.js';
import { ApiError } from '../http/api-error.js';
import { approvalRequestView } from '../http/views.js';
import { Outbox } from '../push/outbox.js';
import { parseIp } from '../ip.js';
import { hashSecret, newTypedCode } from '../secrets.js';
import type { CredentialRow, DeviceRow, ObservedAddress, Repositories, SessionRequestRow } from '../store/types.js';
import { changesSince } from './changes.js';
import type { ServiceContext } from './context.js';
import { CredentialService, deactivateKey, keyUsable, lockIfTooManyRefusals } from './credentials.js';
import type { OpenedSession, SessionService } from './sessions.js';
import { transactionWithOutbox } from './transaction.js';

export interface SessionAttempt {
  secret: string;
  description: string | null;
  ip: string;
  userAgent: string | null;
  geolocation: Geolocation | null;
  /** What the server looked up about ip (server/geoip): stored with the request, shown to the owner. */
  observed: ObservedAddress;
}

export type AttemptOutcome =
  | ({ kind: 'opened'; credential: CredentialRow } & OpenedSession)
  | { kind: 'pending'; request: SessionRequestRow };

export interface StatusRead {
  request: SessionRequestRow;
  /** Present only on the one read that hands out the token. */
  opened: OpenedSession | null;
}

export interface DecisionOutcome {
  uuid: string;
  status: RequestStatus;
  bindingMismatch: boolean;
}

const badCredentials = () => new ApiError(401, ErrorText.BAD_CREDENTIALS);
const requestNotFound = () => new ApiError(404, ErrorText.REQUEST_NOT_FOUND);
/** A wake-up slightly after expiry_time, so the re-read sees the request as expired. */
const EXPIRY_GRACE_MS = 20;

export class ApprovalService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly sessions: SessionService,
  ) {}

  private now(): number {
    return this.ctx.config.now();
  }

  async attempt(attempt: SessionAttempt): Promise<AttemptOutcome> {
    const credential = await this.ctx.store.credentials.byKeyHash(hashSecret(attempt.secret));
    if (!credential || !keyUsable(credential, this.now())) throw badCredentials();
    const ips = await this.ctx.store.permittedIps.listByCredential(credential.id);
    const ipKnown = ips.some((row) => row.status === 'ACTIVE' && (row.ip === attempt.ip || row.ip === '*'));
    if (credential.mode === 'ip-only' && !ipKnown) throw badCredentials();
    if (credential.mode === 'ip-only' || (credential.mode === 'push-unless-trusted' && ipKnown)) {
      return this.openAtOnce(credential.id, attempt);
    }
    return this.ask(credential.id, attempt, ipKnown);
  }

  /** No question to the owner: the session opens now, and the history records it as auto-accepted. */
  private async openAtOnce(credentialId: number, attempt: SessionAttempt): Promise<AttemptOutcome> {
    return this.ctx.store.transaction(async (tx) => {
      const now = this.now();
      // Read again inside the transaction: the key may have been deactivated since the check above.
      const credential = await tx.credentials.hold(credentialId);
      if (!credential || !keyUsable(credential, now)) throw badCredentials();
      const owner = { credentialId: credential.id, userId: credential.userId };
      const opened = await this.sessions.open(tx, owner, attempt.ip, now);
      await tx.requests.create({
        ...this.requestFields(credential, attempt, true, now),
        status: 'ACCEPTED',
        bindingCode: null,
        bindingChoices: null,
        autoAccepted: true,
        tokenDelivered: true,
        sessionId: opened.session.id,
      });
      await CredentialService.recordUse(tx, credential, attempt, now);
      return { kind: 'opened', credential: (await tx.credentials.byId(credentialId))!, ...opened };
    });
  }

  private async ask(credentialId: number, attempt: SessionAttempt, ipKnown: boolean): Promise<AttemptOutcome> {
    const request = await this.ctx.store.transaction(async (tx) => {
      const now = this.now();
      // Held: two requests for the key on two instances must not both count 2 pending and both be let in, nor both
      // miss the other's request and ask twice.
      const credential = await tx.credentials.hold(credentialId);
      if (!credential || !keyUsable(credential, now)) throw badCredentials();
      // A bot retrying (or an attacker hammering) asks once: an identical attempt (same address, description and
      // User-Agent) merges into the PENDING request, the requester gets its uuid and code, and the owner one card
      // with a count. The token still comes out once: of two requesters merged, only the first to read it gets it.
      // (Requests that name their installation will merge only with the same installation.)
      const repeated = await tx.requests.pendingFrom(credentialId, attempt, now);
      if (repeated) {
        await tx.requests.countRepeat(repeated.uuid);
        return { ...repeated, repeatCount: repeated.repeatCount + 1 };
      }
      if ((await tx.requests.countPending(credentialId, now)) >= Limits.MAX_PENDING_PER_KEY) {
        throw new ApiError(429, ErrorText.TOO_MANY_PENDING, { 'retry-after': String(Limits.POLL_INTERVAL_SECONDS) });
      }
      const previous = await tx.requests.lastAccepted(credentialId);
      return tx.requests.create({
        ...this.requestFields(credential, attempt, ipKnown, now),
        status: 'PENDING',
        bindingCode: credential.codeLength > 0 ? newTypedCode(credential.codeLength) : null,
        bindingChoices: null,
        autoAccepted: false,
        tokenDelivered: false,
        sessionId: null,
        changes: changesSince(previous, { observed: attempt.observed, userAgent: attempt.userAgent }),
      });
    });
    this.ctx.hub.publishToUser(request.userId, { type: 'approval.requested', request: approvalRequestView(request) });
    return { kind: 'pending', request };
  }

  private requestFields(credential: CredentialRow, attempt: SessionAttempt, ipKnown: boolean, now: number) {
    return {
      uuid: randomUUID(),
      credentialId: credential.id,
      userId: credential.userId,
      description: attempt.description,
      ip: attempt.ip,
      ipKnown,
      userAgent: attempt.userAgent,
      geolocation: attempt.geolocation,
      observed: attempt.observed,
      created: now,
      expiryTime: now + this.ctx.config.requestLifetimeSeconds * 1000,
    };
  }

  /** Whether an approver device of the user has its push stream open (on any instance): told to the requester. */
  approverOnline(userId: number): Promise<boolean> {
    return this.ctx.hub.approverOnline(userId);
  }

  /**
   * The requester's status read, long-polling up to waitSeconds while PENDING. The first read after ACCEPTED
   * opens the session and returns its token; the token's hash is stored and the request marked delivered in the
   * same transaction, so two racing reads cannot both get it.
   */
  async readStatus(uuid: string, apiKey: string | undefined, waitSeconds: number, signal: AbortSignal) {
    const credential = apiKey ? await this.ctx.store.credentials.byKeyHash(hashSecret(apiKey)) : null;
    let request = await this.ctx.store.requests.byUuid(uuid);
    if (!credential || !request || request.credentialId !== credential.id) throw requestNotFound();
    request = await this.settle(request);
    const deadline = this.now() + waitSeconds * 1000;
    while (request.status === 'PENDING' && !signal.aborted) {
      const until = Math.min(deadline, request.expiryTime + EXPIRY_GRACE_MS);
      if (until <= this.now()) break;
      await this.ctx.hub.waitForRequest(uuid, until - this.now(), signal);
      request = await this.settle((await this.ctx.store.requests.byUuid(uuid))!);
    }
    // Reads that could still lead to a session need a key that still works (deliverToken checks it on the row it
    // holds); an outcome that is final is told.
    if (request.status === 'ACCEPTED' && !request.tokenDelivered) return this.deliverToken(uuid, credential.id);
    const final = request.status === 'REJECTED' || request.status === 'EXPIRED' || request.tokenDelivered;
    if (!final && !keyUsable((await this.ctx.store.credentials.byId(credential.id))!, this.now())) {
      throw badCredentials();
    }
    return { request, opened: null } satisfies StatusRead;
  }

  private async deliverToken(uuid: string, credentialId: number): Promise<StatusRead> {
    return this.ctx.store.transaction(async (tx) => {
      const now = this.now();
      // The key first (held), then the request: every transaction about a key takes them in this order.
      const credential = (await tx.credentials.hold(credentialId))!;
      const pending = (await tx.requests.byUuid(uuid))!;
      // Checked again inside the transaction that mints the token: a deactivation or lock that committed since
      // the check in readStatus must win, or a session could open on a key its owner has just switched off.
      // Throwing rolls back, so the token stays undelivered.
      if (!pending.tokenDelivered && !keyUsable(credential, now)) throw badCredentials();
      if (!(await tx.requests.claimTokenDelivery(uuid))) {
        return { request: (await tx.requests.byUuid(uuid))!, opened: null };
      }
      // The row as this transaction leaves it, without reading it back (each read is a round trip on PostgreSQL):
      // only the two columns written here change.
      const opened = await this.sessions.open(tx, pending, pending.ip, now);
      await tx.requests.linkSession(uuid, opened.session.id);
      await CredentialService.recordUse(tx, credential, pending, now);
      return { request: { ...pending, tokenDelivered: true, sessionId: opened.session.id }, opened };
    });
  }

  /** A PENDING request past its expiry becomes EXPIRED before anyone looks at it. */
  private async settle(request: SessionRequestRow): Promise<SessionRequestRow> {
    if (request.status !== 'PENDING' || request.expiryTime > this.now()) return request;
    await this.expireDue();
    return (await this.ctx.store.requests.byUuid(request.uuid))!;
  }

  /** Marks every overdue PENDING request EXPIRED and tells the devices and waiting requesters. */
  async expireDue(): Promise<void> {
    const expired = await this.ctx.store.requests.expireDue(this.now());
    const outbox = new Outbox();
    for (const request of expired) outbox.resolved(request.userId, request.uuid, 'EXPIRED');
    outbox.flush(this.ctx.hub);
  }

  /** The owner's signed decision. First decision wins; everything it changes commits together. */
  async decide(device: DeviceRow, uuid: string, decision: Decision): Promise<DecisionOutcome> {
    const request = await this.ctx.store.requests.byUuid(uuid);
    if (!request || request.userId !== device.userId) throw new ApiError(404, ErrorText.NOT_FOUND);
    if (!verifyText(publicKeyObject(device.publicKey), canonicalDecision(uuid, decision), decision.signature)) {
      throw new ApiError(400, 'signature: does not verify with this device key over the canonical decision string');
    }
    if (request.status === 'PENDING' && request.expiryTime <= this.now()) await this.expireDue();
    return transactionWithOutbox(this.ctx, (tx, outbox) =>
      this.applyDecision(tx, device, request.credentialId, uuid, decision, outbox),
    );
  }

  private async applyDecision(
    tx: Repositories,
    device: DeviceRow,
    credentialId: number,
    uuid: string,
    decision: Decision,
    outbox: Outbox,
  ): Promise<DecisionOutcome> {
    // Held before the request is read: a block counted toward the lock, a trusted IP added and a deactivation
    // must not interleave with another decision about the same key on another instance.
    await tx.credentials.hold(credentialId);
    const request = (await tx.requests.byUuid(uuid))!;
    const now = this.now();
    if (request.status === 'EXPIRED' || (request.status === 'PENDING' && request.expiryTime <= now)) {
      throw new ApiError(410, ErrorText.EXPIRED);
    }
    if (request.status !== 'PENDING') throw new ApiError(409, ErrorText.ALREADY_DECIDED);
    const approve = decision.decision === 'APPROVE';
    // The typed code: an APPROVE without the code the program shows is someone approving a request they did not
    // make (or a guess); it is refused and counted toward the lock like a BLOCK.
    const bindingMismatch = approve && request.bindingCode !== null && decision.binding_code !== request.bindingCode;
    const status = approve && !bindingMismatch ? 'ACCEPTED' : 'REJECTED';
    const decided = await tx.requests.decide(uuid, {
      status,
      decidedAt: now,
      deviceId: device.id,
      decision: decision.decision,
      trustIp: decision.trust_ip === true,
      deactivateCredential: decision.deactivate_credential === true,
      bindingMismatch,
      signature: decision.signature,
    });
    if (!decided) throw new ApiError(409, ErrorText.ALREADY_DECIDED);
    outbox.resolved(request.userId, uuid, status);

    if (status === 'ACCEPTED' && decision.trust_ip) await this.trustIp(tx, request, now);
    if (decision.decision === 'BLOCK') await this.afterBlock(tx, request.credentialId, decision, now, outbox);
    if (bindingMismatch) {
      const credential = (await tx.credentials.byId(request.credentialId))!;
      await lockIfTooManyRefusals(tx, credential, now, outbox, 'refused session requests (blocked or a wrong code)');
    }
    return { uuid, status, bindingMismatch };
  }

  /** "Approve and trust this IP": the request's IP becomes ACTIVE for the key (re-activated if listed). */
  private async trustIp(tx: Repositories, request: SessionRequestRow, now: number): Promise<void> {
    // Only one real address is ever trusted this way: "*" (any address) is for the owner to type, never a request's.
    if (!parseIp(request.ip).ok) return;
    const listed = (await tx.permittedIps.listByCredential(request.credentialId)).find((row) => row.ip === request.ip);
    if (!listed) await tx.permittedIps.create(request.credentialId, request.ip, 'ACTIVE', now);
    else if (listed.status !== 'ACTIVE') await tx.permittedIps.setStatus(listed.id, 'ACTIVE', now);
    await tx.credentials.update(request.credentialId, { updated: now });
  }

  /** A block may deactivate the key (owner's choice) or lock it (the third block within the window). */
  private async afterBlock(tx: Repositories, credentialId: number, decision: Decision, now: number, outbox: Outbox) {
    const credential = (await tx.credentials.byId(credentialId))!;
    if (decision.deactivate_credential) {
      await deactivateKey(tx, credentialId, now, outbox);
      return;
    }
    await lockIfTooManyRefusals(tx, credential, now, outbox, 'blocked session requests');
  }
}
