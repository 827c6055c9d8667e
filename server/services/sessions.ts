// Sessions: opened for an approved or auto-accepted request, checked by the consuming API (introspection), ended
// by their holder. The token exists in clear only in the one reply that hands it out.
import { timingSafeEqual } from 'node:crypto';
import { ErrorText, type IntrospectResult } from '../../protocol/index.js';
import { Refusal } from '../domain/refusal.js';
import { iso } from '../views/wire.js';
import { hashSecret, newSessionToken } from '../secrets.js';
import type { Repositories, SessionRow } from '../store/types.js';
import { emitWebhook } from '../webhooks/emit.js';
import type { ServiceContext } from './context.js';

export interface OpenedSession {
  session: SessionRow;
  /** The session token in clear: hand it out once, never store it. */
  token: string;
}

export class SessionService {
  constructor(private readonly ctx: ServiceContext) {}

  /** Inside a transaction: a new session of the key's owner, opened from ip. */
  async open(tx: Repositories, owner: { credentialId: number; userId: number }, ip: string, now: number) {
    const token = newSessionToken();
    const session = await tx.sessions.create({
      tokenHash: hashSecret(token),
      credentialId: owner.credentialId,
      userId: owner.userId,
      ip,
      created: now,
      expires: now + this.ctx.config.sessionLifetimeSeconds * 1000,
    });
    return { session, token } satisfies OpenedSession;
  }

  /** Inside a transaction: a new token for a live session, replacing its old one; null when it is no longer live. */
  async newToken(tx: Repositories, sessionId: number, now: number): Promise<OpenedSession | null> {
    const token = newSessionToken();
    if (!(await tx.sessions.replaceToken(sessionId, hashSecret(token), now))) return null;
    const session = (await tx.sessions.byId(sessionId))!;
    return { session, token };
  }

  /**
   * For the API that consumes sessions, which proves itself with the introspection secret (presented: what the
   * caller gave, or null): whether the token's session is live. A wrong or missing secret, or none configured, is
   * refused.
   */
  async introspect(presented: string | null, token: string): Promise<IntrospectResult> {
    if (!this.introspectionAllowed(presented)) throw new Refusal('unauthenticated', ErrorText.INTROSPECTION_AUTH);
    const session = await this.ctx.store.read((db) => db.sessions.byTokenHash(hashSecret(token)));
    if (!session || session.ended !== null || session.expires <= this.ctx.config.now()) return { active: false };
    return {
      active: true,
      session_id: session.id,
      user_id: session.userId,
      credential_id: session.credentialId,
      ip: session.ip,
      created: iso(session.created),
      expires: iso(session.expires),
    };
  }

  /** Whether the presented secret is the configured introspection secret. */
  private introspectionAllowed(presented: string | null): boolean {
    const secret = this.ctx.config.introspectionSecret;
    if (!secret || presented === null) return false;
    // Compared as hashes: equal lengths for timingSafeEqual, and no early exit that would leak the secret.
    return timingSafeEqual(Buffer.from(hashSecret(presented), 'hex'), Buffer.from(hashSecret(secret), 'hex'));
  }

  /** Ends session id; the caller proves it holds the session by its token. */
  async end(id: number, token: string | undefined): Promise<void> {
    const session = await this.ctx.store.read((db) => db.sessions.byId(id));
    if (!session || token === undefined || session.tokenHash !== hashSecret(token)) {
      throw new Refusal('unauthenticated', ErrorText.SESSION_AUTH);
    }
    const now = this.ctx.config.now();
    await this.ctx.store.transaction(async (tx) => {
      const open = await tx.sessions.byId(id);
      if (open?.ended !== null) return;
      await tx.sessions.end(id, now);
      await emitWebhook(
        tx,
        'session.ended',
        { session_id: id, credential_id: open.credentialId, user_id: open.userId, reason: 'closed' },
        now,
      );
    });
  }
}
