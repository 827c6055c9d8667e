// The session check as Express middleware (written against Node's own request and response, so this module does
// not load express): 401 in bunq's Error envelope unless X-Bunq-Client-Authentication carries a live session,
// which later handlers find in req.countersign. webhookHandler receives the approval server's webhooks: mount it
// before any JSON body parser on its path (or behind express.raw()), since the signature covers the raw bytes.
import type { IncomingMessage, ServerResponse } from 'node:http';
import { type ActiveSession, SessionChecker, type SessionCheckOptions, WebhookRejected } from './session-check.js';

type Request = IncomingMessage & { countersign?: ActiveSession; body?: unknown };
type Next = (error?: unknown) => void;

function json(res: ServerResponse, status: number, body: unknown): void {
  res.statusCode = status;
  res.setHeader('content-type', 'application/json');
  res.end(JSON.stringify(body));
}

/** (req, res, next) middleware: a live session or 401. */
export function countersignSessionCheck(options: SessionCheckOptions | SessionChecker) {
  const checker = options instanceof SessionChecker ? options : new SessionChecker(options);
  return (req: Request, res: ServerResponse, next: Next): void => {
    checker.check(SessionChecker.tokenOf(req.headers)).then((outcome) => {
      if (!outcome.ok) return json(res, outcome.status, outcome.body);
      req.countersign = outcome.session;
      next();
    }, next);
  };
}

const MAX_WEBHOOK_BYTES = 64 * 1024;

/** The raw body: express.raw()'s Buffer when it ran, else read from the stream (at most 64 KiB). */
function rawBody(req: Request): Promise<Buffer> {
  if (Buffer.isBuffer(req.body)) return Promise.resolve(req.body);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_WEBHOOK_BYTES) {
        reject(new WebhookRejected('The body is too large for a webhook.'));
        req.destroy();
      } else chunks.push(chunk);
    });
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Receives webhooks: 204 when the signature verifies (stale cache entries dropped), 400 otherwise. */
export function webhookHandler(checker: SessionChecker) {
  return (req: Request, res: ServerResponse, next: Next): void => {
    rawBody(req)
      .then((body) => {
        checker.receiveWebhook(body, req.headers);
        res.statusCode = 204;
        res.end();
      })
      .catch((error: unknown) => {
        if (error instanceof WebhookRejected) json(res, 400, { error: error.message });
        else next(error);
      });
  };
}

export { SessionChecker };
