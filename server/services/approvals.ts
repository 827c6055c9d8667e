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
import { publicKeyFingerprint, verifyTextOffThread } from '../../protocol/crypto.js';
import { Refusal } from '../domain/refusal.js';
import { grantMessage, sessionOpenedMessage } from '../views/grant-views.js';
import { approvalRequestView } from '../views/wire.js';
import type { Outbox } from '../push/outbox.js';
import { parseIp } from '../ip.js';
import { hashSecret, newTypedCode } from '../secrets.js';
import type { CredentialRow, DeviceRow, ObservedAddress, Repositories, SessionRequestRow } from '../store/types.js';
import { changesSince } from './changes.js';
import type { ServiceContext } from './context.js';
import type { PublicKeyCache } from './public-keys.js';
import type { VerifiedCall } from './devices.js';
import { emitWebhook } from '../webhooks/emit.js';
import {
  CredentialService,
  deactivateKey,
  keyUsable,
  keyUse,
  lockIfTooManyRefusals,
  requestFacts,
} from './credentials.js';
import { consumeGrant, grantFromScope, grantWebhook } from './grants.js';
import type { OpenedSession, SessionService } from './sessions.js';
import { transactionWithOutbox } from './transaction.js';

export interface SessionAttempt {
  secret: string;
  description: string | null;
  ip: string;
  userAgent: string | null;
  geolocation: Geolocation | null;
  /** SHA-256 hex of the requester's X-Countersign-Claim, when it sent one. */
  claimHash?: string | null;
  /** The requester installation whose signature the attempt carried (checked by the route); null: unsigned. */
  installationId?: number | null;
  /** What the server looked up about ip (server/geoip): stored with the request, shown to the owner. */
  observed: ObservedAddress;
}

export type AttemptOutcome =
  | ({ kind: 'opened'; credential: CredentialRow } & OpenedSession)
  /**
   * The owner is asked: a new request, an identical attempt merged into one, or (repeated) the request of the same
   * claim, which is answered as a status read with that claim would be.
   */
  | { kind: 'asked'; request: SessionRequestRow; repeated?: boolean };

/** Who reads a request's status: what they sent, and the address the server saw the read come from. */
export interface StatusReader {
  apiKey: string | undefined;
  /** SHA-256 hex of the X-Countersign-Claim the read carried, or null. */
  claimHash: string | null;
  ip: string;
}

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

const badCredentials = () => new Refusal('unauthenticated', ErrorText.BAD_CREDENTIALS);
const requestNotFound = () => new Refusal('not-found', ErrorText.REQUEST_NOT_FOUND);
/** A wake-up slightly after expiry_time, so the re-read sees the request as expired. */
const EXPIRY_GRACE_MS = 20;

/** An APPROVE with nothing beside it: no trusted IP, no scope (the session only). */
const isPlainApprove = (decision: Decision): boolean =>
  decision.decision === 'APPROVE' && decision.trust_ip !== true && decision.scope === undefined;

/** Inside the deciding transaction: the devices and waiting requesters are told, and the webhook recorded. */
async function announceDecision(
  tx: Repositories,
  outbox: Outbox,
  decided: SessionRequestRow,
  status: 'ACCEPTED' | 'REJECTED',
  device: DeviceRow,
  decision: Decision,
  bindingMismatch: boolean,
  now: number,
): Promise<void> {
  outbox.resolved(decided.userId, decided.uuid, status);
  await emitWebhook(
    tx,
    status === 'ACCEPTED' ? 'session_request.accepted' : 'session_request.rejected',
    {
      ...requestFacts(decided),
      device_id: device.id,
      decision: decision.decision,
      binding_mismatch: bindingMismatch,
      ...(status === 'REJECTED' ? { reason: bindingMismatch ? 'binding_mismatch' : 'refused' } : {}),
    },
    now,
  );
}

export class ApprovalService {
  constructor(
    private readonly ctx: ServiceContext,
    private readonly sessions: SessionService,
    private readonly keys: PublicKeyCache,
  ) {}

  private now(): number {
    return this.ctx.config.now();
  }

  /**
   * One transaction from the API key on: the key is read and held once, so two attempts on two instances cannot
   * both count 2 pending and both be let in, nor both miss the other's request and ask twice.
   */
  async attempt(attempt: SessionAttempt): Promise<AttemptOutcome> {
    return transactionWithOutbox(this.ctx, async (tx, outbox) => {
      const now = this.now();
      const credential = await tx.credentials.holdByKeyHash(hashSecret(attempt.secret));
      if (!credential || !keyUsable(credential, now)) throw badCredentials();
      // The row counts its permitted IPs: a key without any needs no read of them.
      const ips = credential.permittedIpCount === 0 ? [] : await tx.permittedIps.listByCredential(credential.id);
      // The entry that lets the address in: the address itself before "*", so history names the narrower one.
      const active = ips.filter((row) => row.status === 'ACTIVE');
      const permitted = active.find((row) => row.ip === attempt.ip) ?? active.find((row) => row.ip === '*') ?? null;
      if (credential.mode === 'ip-only' && !permitted) throw badCredentials();
      // The same claim again, past the same gates as any attempt: the requester's POST got no reply, which may have
      // carried the token. It is answered with its request as it now is, as a status read with that claim would be;
      // the owner is not asked twice, and a request they blocked is not put before them again.
      // Only a request whose answer could still matter: one that may still be PENDING, or whose token may still be
      // handed out again. Read with the key's PENDING requests, which asking needs: one statement for both.
      const claimHash = attempt.claimHash ?? null;
      const config = this.ctx.config;
      const window = (config.requestLifetimeSeconds + config.tokenRedeliverySeconds) * 1000;
      const open = await tx.requests.openForAttempt(
        credential.id,
        claimHash === null ? null : { claimHash, createdAfter: now - window },
      );
      const earlier = open.claimed;
      if (earlier) {
        // A request an installation opened is answered to that installation only (as its status reads are).
        if (earlier.installation !== null && earlier.installation.id !== attempt.installationId) {
          throw new Refusal('unauthenticated', ErrorText.INSTALLATION_REQUIRED);
        }
        return { kind: 'asked', request: earlier, repeated: true };
      }
      // No question to the owner: a permitted IP lets the session in now; the history records it as auto-accepted
      // with the entry that matched, and the owner's devices hear of it (session.opened).
      if (permitted && (credential.mode === 'ip-only' || credential.mode === 'push-unless-trusted')) {
        return this.openWithout(tx, credential, attempt, { permittedIp: permitted.ip, grantId: null }, now, outbox);
      }
      return this.grantOrAsk(tx, credential, attempt, permitted !== null, now, outbox, open);
    });
  }

  /** Inside a transaction holding the key: opens the session, records the request and who let it in. */
  private async openWithout(
    tx: Repositories,
    credential: CredentialRow,
    attempt: SessionAttempt,
    by: { permittedIp: string | null; grantId: number | null },
    now: number,
    outbox: Outbox,
  ): Promise<AttemptOutcome> {
    const owner = { credentialId: credential.id, userId: credential.userId };
    const opened = await this.sessions.open(tx, owner, attempt.ip, now);
    const installationId = attempt.installationId ?? null;
    if (installationId !== null) await tx.installations.recordUse(installationId, now, true);
    const request = await tx.requests.create({
      ...this.requestFields(credential, attempt, by.permittedIp !== null, now),
      status: 'ACCEPTED',
      bindingCode: null,
      bindingChoices: null,
      autoAccepted: true,
      tokenDelivered: true,
      // Handed out with this reply: a claimed attempt sent again because that reply was lost gets a fresh token.
      deliveredAt: now,
      sessionId: opened.session.id,
      installationId,
      grantId: by.grantId,
      permittedIp: by.permittedIp,
    });
    await sessionOpenedWebhook(tx, opened, request, now);
    const message = sessionOpenedMessage(request);
    if (message) outbox.toUser(credential.userId, message);
    await CredentialService.recordUse(tx, credential, attempt, now);
    return { kind: 'opened', credential: (await tx.credentials.byId(credential.id))!, ...opened };
  }

  /**
   * A live grant that covers the attempt opens the session and counts one use; otherwise the owner is asked. One
   * transaction under the key's hold: two attempts on two instances cannot both take a grant's last use, and a
   * revoke that committed first is seen. `open` is the key's open requests, as read under that hold.
   */
  private async grantOrAsk(
    tx: Repositories,
    credential: CredentialRow,
    attempt: SessionAttempt,
    ipKnown: boolean,
    now: number,
    outbox: Outbox,
    open: { pending: SessionRequestRow[]; lastAccepted: SessionRequestRow | null },
  ): Promise<AttemptOutcome> {
    const installationId = attempt.installationId ?? null;
    const grant = await consumeGrant(tx, credential, { ip: attempt.ip, installationId }, now);
    if (grant) {
      outbox.toUser(credential.userId, grantMessage('used', grant, now));
      await grantWebhook(tx, 'used', grant, now);
      return this.openWithout(tx, credential, attempt, { permittedIp: null, grantId: grant.id }, now, outbox);
    }
    // A bot retrying (or an attacker hammering) asks once: an identical attempt (same address, description,
    // User-Agent, installation and claim) merges into the PENDING request, the requester gets its uuid and code,
    // and the owner one card with a count. The token still comes out once.
    // One read of the key's PENDING requests (at most a few, read with the claim) answers both "identical
    // attempt?" and "how many?", and brings the last ACCEPTED one, which "what changed" compares with.
    const pending = open.pending.filter((row) => row.expiryTime > now);
    const repeated = pending.find((row) => sameAttempt(row, attempt));
    if (repeated && (await tx.requests.countRepeat(repeated.uuid))) {
      const merged = { ...repeated, repeatCount: repeated.repeatCount + 1 };
      outbox.toUser(merged.userId, { type: 'approval.requested', request: approvalRequestView(merged) });
      return { kind: 'asked', request: merged };
    }
    // A repeat whose request was decided since the read (a plain approval takes no lock on the key) is a new
    // attempt, and that request no longer counts as pending.
    const live = repeated ? pending.filter((row) => row !== repeated) : pending;
    if (live.length >= Limits.MAX_PENDING_PER_KEY) {
      throw new Refusal('too-many', ErrorText.TOO_MANY_PENDING, Limits.POLL_INTERVAL_SECONDS);
    }
    const previous = open.lastAccepted;
    const installation = installationId === null ? null : await tx.installations.byId(installationId);
    if (installationId !== null) await tx.installations.recordUse(installationId, now, false);
    const request = await tx.requests.create({
      ...this.requestFields(credential, attempt, ipKnown, now),
      status: 'PENDING',
      bindingCode: credential.codeLength > 0 ? newTypedCode(credential.codeLength) : null,
      bindingChoices: null,
      autoAccepted: false,
      tokenDelivered: false,
      sessionId: null,
      installationId,
      changes: changesSince(previous && { ...previous, installation: installationLabel(previous.installation) }, {
        observed: attempt.observed,
        userAgent: attempt.userAgent,
        installation: installationLabel(installation),
      }),
    });
    await emitWebhook(
      tx,
      'session_request.created',
      {
        ...requestFacts(request),
        ip_known: ipKnown,
        number_matching: request.bindingCode !== null,
        expiry_time: new Date(request.expiryTime).toISOString(),
      },
      now,
    );
    outbox.toUser(request.userId, { type: 'approval.requested', request: approvalRequestView(request) });
    return { kind: 'asked', request };
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
      claimHash: attempt.claimHash ?? null,
    };
  }

  /** The user's PENDING requests that have not expired, oldest first: what a push stream sends once it opens. */
  pendingForUser(userId: number): Promise<SessionRequestRow[]> {
    return this.ctx.store.read((db) => db.requests.pendingForUser(userId, this.now()));
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
  async readStatus(
    uuid: string,
    reader: StatusReader,
    waitSeconds: number,
    signal: AbortSignal,
    /** The installation whose signature the read carried (checked against this key by the route), or null. */
    signedBy: (credentialId: number) => Promise<{ id: number } | null> = async () => null,
  ) {
    const { apiKey, claimHash } = reader;
    if (!apiKey) throw requestNotFound();
    // Read with the key's hash: an unknown key, an unknown uuid and another key's request look alike.
    const request = await this.ctx.store.read((db) => db.requests.byUuidForKey(uuid, hashSecret(apiKey)));
    if (!request) throw requestNotFound();
    const credentialId = request.credentialId;
    // A request bound to a claim is read only with it: another holder of the key learns nothing and takes nothing.
    if (request.claimHash !== null && request.claimHash !== claimHash) {
      throw new Refusal('forbidden', ErrorText.CLAIM_MISMATCH);
    }
    // A request a requester installation opened is read by that installation only: the API key alone does not
    // fetch its token.
    const installation = await signedBy(credentialId);
    if (request.installation !== null && installation?.id !== request.installation.id) {
      throw new Refusal('unauthenticated', ErrorText.INSTALLATION_REQUIRED);
    }
    return this.awaitOutcome(request, reader.ip, waitSeconds, signal);
  }

  /**
   * What a requester waiting for its approval is told: a PENDING request is held up to waitSeconds for its
   * outcome, and an ACCEPTED one hands out its token. The caller has authenticated the requester for this request
   * (a status read by key, claim and installation; or the attempt that has just made or merged it). `ip` is the
   * address the server saw this call come from.
   */
  async awaitOutcome(
    read: SessionRequestRow,
    ip: string,
    waitSeconds: number,
    signal: AbortSignal,
  ): Promise<StatusRead> {
    const uuid = read.uuid;
    const credentialId = read.credentialId;
    // The hand-out this call saw when it began, if any. Only a call begun after a hand-out can be asking because
    // that reply was lost; one under way when another call took the token is that call's sibling (a retry and the
    // call it replaced, which the server cannot tell is dead), and a fresh token for it would stop the one just
    // handed out, perhaps to the live one. A fresh token replaces the seen hand-out only, so of two calls begun
    // after it, one gets it.
    const handOutSeen = read.tokenDelivered ? read.deliveredAt : null;
    let request = await this.settle(read);
    const deadline = this.now() + waitSeconds * 1000;
    while (request.status === 'PENDING' && !signal.aborted) {
      const until = Math.min(deadline, request.expiryTime + EXPIRY_GRACE_MS);
      if (until <= this.now()) break;
      const became = await this.ctx.hub.waitForRequest(uuid, until - this.now(), signal);
      // Approved on this instance: the hand-out goes ahead on the row read before the wait (what it uses of it no
      // longer changes) and its conditional claim brings the row as it now is, so it is not read again here.
      if (became === 'ACCEPTED' && !signal.aborted) return this.deliverToken(request);
      request = await this.settle((await this.ctx.store.read((db) => db.requests.byUuid(uuid)))!);
    }
    // Nobody to answer (the requester hung up, e.g. to send its POST again): no token goes out into a closed
    // connection, nor replaces one that the requester's newer call is taking.
    if (signal.aborted) return { request, opened: null } satisfies StatusRead;
    // Reads that could still lead to a session need a key that still works (deliverToken checks it on the row it
    // holds); an outcome that is final is told.
    if (request.status === 'ACCEPTED' && !request.tokenDelivered) return this.deliverToken(request);
    if (handOutSeen !== null && this.mayDeliverAgain(request)) return this.deliverAgain(request, ip, handOutSeen);
    const final = request.status === 'REJECTED' || request.status === 'EXPIRED' || request.tokenDelivered;
    if (!final && !keyUsable((await this.ctx.store.read((db) => db.credentials.byId(credentialId)))!, this.now())) {
      throw badCredentials();
    }
    return { request, opened: null } satisfies StatusRead;
  }

  /**
   * Hands out the token of a request read ACCEPTED and undelivered, or read PENDING before a wake that said it was
   * accepted. What the session is opened from (key, owner, address, description, installation) never changes once
   * the request exists, so the row is not read again: the conditional claim decides whether this read is the one
   * that takes the token, and returns the row as it leaves it.
   */
  private async deliverToken(read: SessionRequestRow): Promise<StatusRead> {
    const { uuid, credentialId } = read;
    const outcome = await this.ctx.store
      .transaction(async (tx): Promise<StatusRead | null> => {
        const now = this.now();
        // The key first (held, and its use recorded in the same statement), then the request: every transaction
        // about a key that changes the key takes them in this order (a plain approval changes only the request).
        const credential = (await tx.credentials.holdAndRecordUse(credentialId, keyUse(read, now)))!;
        // Checked again inside the transaction that mints the token: a deactivation or lock that committed since
        // the check in readStatus must win, or a session could open on a key its owner has just switched off.
        // Throwing rolls back (the use recorded above too), so the token stays undelivered. A read that took the
        // token before is told so.
        if (!keyUsable(credential, now)) {
          if ((await tx.requests.byUuid(uuid))!.tokenDelivered) throw new TokenTaken();
          throw badCredentials();
        }
        await CredentialService.activateOnFirstUse(tx, credential, now);
        const opened = await this.sessions.open(tx, read, read.ip, now);
        // Another read took the token first: roll the session back (below) and tell what that read left.
        const claimed = await tx.requests.claimTokenDelivery(uuid, now, opened.session.id);
        if (!claimed) throw new TokenTaken();
        if (claimed.installation !== null) await tx.installations.recordUse(claimed.installation.id, now, true);
        await sessionOpenedWebhook(tx, opened, claimed, now);
        return { request: claimed, opened };
      })
      .catch((error: unknown) => {
        if (error instanceof TokenTaken) return null;
        throw error;
      });
    if (outcome) return outcome;
    // Another call took it while this one was under way: told so, without a token (see awaitOutcome). The
    // claim's holder gets it again with a new read, if that call's reply was lost.
    return { request: (await this.ctx.store.read((db) => db.requests.byUuid(uuid)))!, opened: null };
  }

  /**
   * A claimed request's token may be handed out again shortly after delivery: its reply may have been lost (a
   * crash between commit and reply, a dropped connection), and only the claim's holder can be asking.
   */
  private mayDeliverAgain(request: SessionRequestRow): boolean {
    return (
      request.claimHash !== null &&
      request.sessionId !== null &&
      request.deliveredAt !== null &&
      this.now() - request.deliveredAt <= this.ctx.config.tokenRedeliverySeconds * 1000
    );
  }

  /**
   * A fresh token for the request's session, replacing the one that may never have arrived (it stops working).
   * Only to the address the request came from: the claim is something the requester sends, so whoever took it
   * with the key could send it from anywhere, and a session that opened because its address was trusted (or
   * under a network grant) would then be renewed from an address nobody trusted. The address is what the server
   * saw. The refusal changes nothing: the token handed out before stays live. It comes after what any read is
   * told first: a key no longer usable is 401, and a session that has ended has no token to give to anyone.
   */
  private async deliverAgain(read: SessionRequestRow, ip: string, handOutSeen: number): Promise<StatusRead> {
    const { uuid, credentialId } = read;
    return this.ctx.store.transaction(async (tx) => {
      const now = this.now();
      const credential = (await tx.credentials.hold(credentialId))!;
      const request = (await tx.requests.byUuid(uuid))!;
      if (!keyUsable(credential, now)) throw badCredentials();
      if (request.ip !== ip) {
        const session = await tx.sessions.byId(request.sessionId!);
        const live = session !== null && session.ended === null && session.expires > now;
        if (live) throw new Refusal('forbidden', ErrorText.REDELIVERY_ELSEWHERE);
        return { request, opened: null };
      }
      // Another call handed it out again since this one began: told as that call's sibling is (see awaitOutcome).
      if (!(await tx.requests.markHandedOutAgain(uuid, handOutSeen, now))) return { request, opened: null };
      const again = await this.sessions.newToken(tx, request.sessionId!, now);
      return { request, opened: again };
    });
  }

  /** A PENDING request past its expiry becomes EXPIRED before anyone looks at it. */
  private async settle(request: SessionRequestRow): Promise<SessionRequestRow> {
    if (request.status !== 'PENDING' || request.expiryTime > this.now()) return request;
    await this.expireDue();
    return (await this.ctx.store.read((db) => db.requests.byUuid(request.uuid)))!;
  }

  /** Marks every overdue PENDING request EXPIRED and tells the devices and waiting requesters. */
  async expireDue(): Promise<void> {
    await transactionWithOutbox(this.ctx, async (tx, outbox) => {
      const now = this.now();
      for (const request of await tx.requests.expireDue(now)) {
        outbox.resolved(request.userId, request.uuid, 'EXPIRED');
        await emitWebhook(tx, 'session_request.expired', requestFacts(request), now);
      }
    });
  }

  /**
   * The owner's signed decision (the call's signature is recorded in the same transaction). First decision wins;
   * everything it changes commits together.
   */
  async decide(call: VerifiedCall, uuid: string, decision: Decision): Promise<DecisionOutcome> {
    const device = call.device;
    // Checked before the transaction, which then holds its lock (on SQLite, the only write lock) for less time.
    const signed = await verifyTextOffThread(
      this.keys.keyOf(device),
      canonicalDecision(uuid, decision),
      decision.signature,
    );
    const outcome = await transactionWithOutbox(this.ctx, async (tx, outbox) => {
      await call.recordInside(tx);
      // A plain APPROVE, the usual decision, is one conditional write: it touches nothing of the key, so it needs
      // neither the key's row nor its lock. Anything else, or a write that did not take, goes the full way below,
      // which reads the request and says why.
      if (signed && isPlainApprove(decision)) {
        const now = this.now();
        const accepted = await tx.requests.acceptIfPending(uuid, device.userId, decision.binding_code ?? null, {
          decidedAt: now,
          deviceId: device.id,
          signature: decision.signature,
        });
        if (accepted) {
          await announceDecision(tx, outbox, accepted, 'ACCEPTED', device, decision, false, now);
          return { uuid, status: 'ACCEPTED', bindingMismatch: false } satisfies DecisionOutcome;
        }
      }
      // The request is read once, inside the transaction that decides it: what the checks below use of it (owner,
      // key, address, code, expiry) never changes, and its status is settled by the conditional decide.
      const request = await tx.requests.byUuid(uuid);
      if (!request || request.userId !== device.userId) throw new Refusal('not-found', ErrorText.NOT_FOUND);
      if (!signed) {
        throw new Refusal(
          'invalid',
          'signature: does not verify with this device key over the canonical decision string',
        );
      }
      // Overdue: it is marked EXPIRED (and the devices told) after this transaction, which changes nothing.
      if (request.status === 'PENDING' && request.expiryTime <= this.now()) return null;
      return this.applyDecision(tx, device, request, decision, outbox);
    });
    if (outcome) return outcome;
    await this.expireDue();
    throw new Refusal('expired', ErrorText.EXPIRED);
  }

  private async applyDecision(
    tx: Repositories,
    device: DeviceRow,
    request: SessionRequestRow,
    decision: Decision,
    outbox: Outbox,
  ): Promise<DecisionOutcome> {
    const uuid = request.uuid;
    // A request read as decided or expired stays so: refused before the key is held. (On PostgreSQL a plain
    // approval's conditional UPDATE that waited for another decision of this request keeps the request's row
    // locked; holding the key after that, against a token hand-out that holds the key and waits for the row, would
    // deadlock.)
    if (request.status === 'EXPIRED') throw new Refusal('expired', ErrorText.EXPIRED);
    if (request.status !== 'PENDING') throw new Refusal('conflict', ErrorText.ALREADY_DECIDED);
    // Held: a block counted toward the lock, a trusted IP added, a grant made and a deactivation must not
    // interleave with another such decision about the same key on another instance (a plain approval, which
    // changes nothing of the key, takes no hold). A decision that committed before the hold was taken makes the
    // conditional decide below fail (already decided).
    // The key's row itself is needed only to check a scope against it.
    let credential: CredentialRow | null = null;
    if (decision.scope) credential = await tx.credentials.hold(request.credentialId);
    else await tx.credentials.holdWithoutReading(request.credentialId);
    const now = this.now();
    if (request.expiryTime <= now) throw new Refusal('expired', ErrorText.EXPIRED);
    // A scope that cannot be granted is refused before anything is written.
    const grant =
      decision.decision === 'APPROVE' && credential
        ? grantFromScope(decision.scope, credential, request, device, now)
        : null;
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
      trustIp: decision.trust_ip === true || decision.scope?.kind === 'permit-ip',
      deactivateCredential: decision.deactivate_credential === true,
      bindingMismatch,
      signature: decision.signature,
    });
    if (!decided) {
      // Decided or expired since it was read: told as it now is.
      const current = await tx.requests.byUuid(uuid);
      if (current?.status === 'EXPIRED') throw new Refusal('expired', ErrorText.EXPIRED);
      throw new Refusal('conflict', ErrorText.ALREADY_DECIDED);
    }
    await announceDecision(tx, outbox, request, status, device, decision, bindingMismatch, now);

    const permitIp = decision.trust_ip === true || decision.scope?.kind === 'permit-ip';
    if (status === 'ACCEPTED' && permitIp) await this.trustIp(tx, request, now);
    if (status === 'ACCEPTED' && grant) {
      const created = await tx.grants.create(grant);
      await tx.requests.setGrantCreated(uuid, created.id);
      outbox.toUser(created.userId, grantMessage('created', created, now));
      await grantWebhook(tx, 'created', created, now);
    }
    if (decision.decision === 'BLOCK') await this.afterBlock(tx, request.credentialId, decision, now, outbox);
    // A wrong typed code (or, on keys of the number-matching era, a wrong pick) counts toward the lock like a BLOCK.
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

/** Whether a PENDING request came from an identical attempt (as requests.pendingFrom compares: null and "" alike). */
function sameAttempt(row: SessionRequestRow, attempt: SessionAttempt): boolean {
  return (
    row.ip === attempt.ip &&
    (row.description ?? '') === (attempt.description ?? '') &&
    (row.userAgent ?? '') === (attempt.userAgent ?? '') &&
    (row.installation?.id ?? 0) === (attempt.installationId ?? 0) &&
    (row.claimHash ?? '') === (attempt.claimHash ?? '')
  );
}

/** Rolls back a token hand-out that another read won (its session must not stay). */
class TokenTaken extends Error {}

/** How "what changed" names an installation: its name and key fingerprint (a new key is a new program). */
function installationLabel(installation: { name: string; publicKey: string } | null): string | null {
  return installation ? `${installation.name} (${publicKeyFingerprint(installation.publicKey)})` : null;
}

/** Inside the transaction that opens a session: the session.opened webhook (its id, never its token). */
export async function sessionOpenedWebhook(
  tx: Repositories,
  opened: OpenedSession,
  request: SessionRequestRow,
  now: number,
): Promise<void> {
  await emitWebhook(
    tx,
    'session.opened',
    {
      session_id: opened.session.id,
      ...requestFacts(request),
      auto_accepted: request.autoAccepted,
      approved_by_code: request.approvedByCode,
      expires: new Date(opened.session.expires).toISOString(),
    },
    now,
  );
}
