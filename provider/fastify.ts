// The session check as a Fastify plugin: every route of the app it is registered on (it does not encapsulate)
// answers 401 in bunq's Error envelope unless X-Bunq-Client-Authentication carries a live session, which the
// handler then finds in request.countersign. webhookPath adds the webhook receiver that verifies deliveries and
// drops stale cache entries (it reads its body raw: the signature covers the exact bytes). Types only from fastify:
// nothing of it is loaded at run time.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type ActiveSession, SessionChecker, type SessionCheckOptions, WebhookRejected } from './session-check.js';

declare module 'fastify' {
  interface FastifyRequest {
    countersign?: ActiveSession;
  }
}

export interface FastifySessionCheckOptions extends SessionCheckOptions {
  /** Where the approval server's webhooks are received (e.g. /countersign/webhooks); not checked for a session. */
  webhookPath?: string;
  /** A checker to share (e.g. with an Express app); else one is made from the options. */
  checker?: SessionChecker;
}

async function plugin(app: FastifyInstance, options: FastifySessionCheckOptions): Promise<void> {
  const checker = options.checker ?? new SessionChecker(options);
  const webhookPath = options.webhookPath;
  app.addHook('onRequest', async (request: FastifyRequest, reply: FastifyReply) => {
    if (webhookPath !== undefined && request.url.split('?')[0] === webhookPath) return;
    const outcome = await checker.check(SessionChecker.tokenOf(request.headers));
    if (!outcome.ok) return reply.code(outcome.status).send(outcome.body);
    request.countersign = outcome.session;
  });
  if (webhookPath === undefined) return;
  await app.register(async (scope) => {
    // Only this route: its JSON body stays the raw text the signature covers.
    scope.addContentTypeParser('application/json', { parseAs: 'string' }, (_request, body, done) => done(null, body));
    scope.post(webhookPath, async (request, reply) => {
      try {
        checker.receiveWebhook(request.body as string, request.headers);
      } catch (error) {
        if (error instanceof WebhookRejected) return reply.code(400).send({ error: error.message });
        throw error;
      }
      return reply.code(204).send();
    });
  });
}

// Not encapsulated (as fastify-plugin would mark it): the hook applies to the routes of the app it is registered on.
(plugin as unknown as Record<symbol, boolean>)[Symbol.for('skip-override')] = true;

export const countersignSessionCheck = plugin;
