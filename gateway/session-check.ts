// Is this session token live, and whose? Asked of the approval server's introspection endpoint on every request,
// with no cache: a session ended, expired or cut off by its key's deactivation is refused on the very next
// request, whichever server instance ended it (every instance reads the same database). The measured price is in
// the gateway benchmark.
import { introspect } from '../client/introspect.js';
import type { IntrospectResult } from '../protocol/index.js';

export type LiveSession = Extract<IntrospectResult, { active: true }>;

/** What the session token header may hold at all (the server takes 1-512 characters); anything else is refused unasked. */
const TOKEN_SHAPE = /^[\x21-\x7e]{1,512}$/;

export class ApprovalServerUnreachable extends Error {
  override readonly name = 'ApprovalServerUnreachable';
}

export class SessionChecker {
  constructor(
    private readonly server: string,
    private readonly introspectionSecret: string,
  ) {}

  /** The live session, or null for anything not live. Throws ApprovalServerUnreachable when it cannot tell. */
  async check(token: string | undefined): Promise<LiveSession | null> {
    if (token === undefined || !TOKEN_SHAPE.test(token)) return null;
    let result: IntrospectResult;
    try {
      result = await introspect({ server: this.server, introspectionSecret: this.introspectionSecret, token });
    } catch (error) {
      // Not knowing is not a yes: the request is refused (503), and the operator's log says why.
      throw new ApprovalServerUnreachable((error as Error).message, { cause: error });
    }
    return result.active ? result : null;
  }
}
