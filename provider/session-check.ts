// The API provider's side of Countersign, framework-neutral: is the session token a request carries (header
// X-Bunq-Client-Authentication) a live session? Asked of the approval server by introspection, with a short cache
// so a busy API does not ask on every call. A cached "active" answer is dropped at once when a signed webhook says
// the session ended or its key was deactivated or locked (receiveWebhook), so a revoked session stops working
// within one webhook delivery, not one cache lifetime. fastify.ts and express.ts wrap this for the two frameworks.
import { createHash } from 'node:crypto';
import { Webhook, WebhookVerificationError } from 'standardwebhooks';
import { introspect } from '../client/introspect.js';
import { errorEnvelope, type ErrorEnvelope, Header, type IntrospectResult, WebhookBody } from '../protocol/index.js';

export interface SessionCheckOptions {
  /** The approval server, e.g. https://countersign.example.com. */
  server: string;
  /** Its introspection secret (countersign-server --introspection-secret-file). */
  introspectionSecret: string;
  /** The webhook signing secret (whsec_…), for receiveWebhook; without it webhooks are refused. */
  webhookSecret?: string;
  /** How long an answer is reused (default 5000 ms; 0 asks every time). Inactive answers too, so floods stay cheap. */
  cacheMs?: number;
  /** Answers kept at most (default 10000); the oldest goes first. */
  maxEntries?: number;
  /** Plain http:// to another host (see client/introspect.ts); off by default. */
  insecureHttp?: boolean;
}

/** A live session, as introspection describes it. */
export type ActiveSession = Extract<IntrospectResult, { active: true }>;

export type CheckOutcome = { ok: true; session: ActiveSession } | { ok: false; status: 401; body: ErrorEnvelope };

/** What the 401 says, in bunq's Error envelope. */
export const SESSION_REFUSED = 'X-Bunq-Client-Authentication must carry a live Countersign session token.';

interface Entry {
  result: IntrospectResult;
  until: number;
}

/** A webhook that could not be taken: bad signature, stale timestamp, not an event (answer 400). */
export class WebhookRejected extends Error {
  override readonly name = 'WebhookRejected';
}

export class SessionChecker {
  /** Keyed by the token's SHA-256, so the cache holds no token in clear. */
  private readonly cache = new Map<string, Entry>();
  private readonly cacheMs: number;
  private readonly maxEntries: number;
  private readonly webhook: Webhook | null;

  constructor(private readonly options: SessionCheckOptions) {
    this.cacheMs = options.cacheMs ?? 5_000;
    this.maxEntries = options.maxEntries ?? 10_000;
    this.webhook = options.webhookSecret ? new Webhook(options.webhookSecret) : null;
  }

  /** The token of the request's X-Bunq-Client-Authentication header, or null. */
  static tokenOf(headers: Record<string, string | string[] | undefined>): string | null {
    const value = headers[Header.CLIENT_AUTHENTICATION];
    return typeof value === 'string' && value.length > 0 && value.length <= 512 ? value : null;
  }

  /** Checks the token; any failure (none given, unknown, ended, expired, server unreachable) is a 401. */
  async check(token: string | null): Promise<CheckOutcome> {
    const refused = { ok: false as const, status: 401 as const, body: errorEnvelope(SESSION_REFUSED) };
    if (token === null) return refused;
    let result: IntrospectResult;
    try {
      result = await this.lookup(token);
    } catch {
      // Fail closed: an approval server that cannot be asked opens no door.
      return refused;
    }
    if (!result.active) return refused;
    if (Date.parse(result.expires) <= Date.now()) {
      this.cache.delete(digest(token));
      return refused;
    }
    return { ok: true, session: result };
  }

  private async lookup(token: string): Promise<IntrospectResult> {
    const key = digest(token);
    const cached = this.cache.get(key);
    if (cached && cached.until > Date.now()) return cached.result;
    const result = await introspect({
      server: this.options.server,
      introspectionSecret: this.options.introspectionSecret,
      token,
      insecureHttp: this.options.insecureHttp,
    });
    if (this.cacheMs > 0) {
      this.cache.delete(key);
      if (this.cache.size >= this.maxEntries) this.cache.delete(this.cache.keys().next().value!);
      this.cache.set(key, { result, until: Date.now() + this.cacheMs });
    }
    return result;
  }

  /** Drops cached answers of the session, or of every session of the key. */
  invalidate(match: { sessionId?: number; credentialId?: number }): number {
    let dropped = 0;
    for (const [key, entry] of this.cache) {
      if (!entry.result.active) continue;
      if (entry.result.session_id === match.sessionId || entry.result.credential_id === match.credentialId) {
        this.cache.delete(key);
        dropped += 1;
      }
    }
    return dropped;
  }

  /**
   * A webhook delivery from the approval server: verifies its Standard Webhooks signature (and timestamp) over
   * the raw body, then drops what session.ended, key.deactivated and key.locked make stale. Returns the event;
   * throws WebhookRejected for anything that does not verify.
   */
  receiveWebhook(rawBody: string | Buffer, headers: Record<string, string | string[] | undefined>): WebhookBody {
    if (!this.webhook) throw new WebhookRejected('No webhook secret is configured.');
    const one = (name: string) => {
      const value = headers[name];
      return typeof value === 'string' ? value : '';
    };
    let verified: unknown;
    try {
      verified = this.webhook.verify(rawBody, {
        'webhook-id': one('webhook-id'),
        'webhook-timestamp': one('webhook-timestamp'),
        'webhook-signature': one('webhook-signature'),
      });
    } catch (error) {
      throw new WebhookRejected(error instanceof WebhookVerificationError ? error.message : 'Invalid webhook.');
    }
    const event = WebhookBody.safeParse(verified);
    if (!event.success) throw new WebhookRejected('The body is not a Countersign webhook event.');
    const { type, data } = event.data;
    if (type === 'session.ended' && typeof data.session_id === 'number') {
      this.invalidate({ sessionId: data.session_id });
    }
    if ((type === 'key.deactivated' || type === 'key.locked') && typeof data.credential_id === 'number') {
      this.invalidate({ credentialId: data.credential_id });
    }
    return event.data;
  }
}

function digest(token: string): string {
  return createHash('sha256').update(token).digest('hex');
}
