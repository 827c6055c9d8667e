// One delivery attempt to one receiver, as Standard Webhooks says: POST the body with webhook-id, webhook-timestamp
// and webhook-signature (v1, HMAC-SHA256 over "id.timestamp.body" by the standardwebhooks package). Only the status
// line matters: 2xx is done; a redirect is not followed; the reply's body is never read (the socket is dropped),
// so a huge one costs nothing; the whole attempt is cut off after timeoutMs.
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { Webhook } from 'standardwebhooks';

export type SendOutcome = { ok: true; status: number } | { ok: false; error: string };

export async function sendWebhook(
  signer: Webhook,
  url: string,
  event: { eventId: string; payload: string },
  timeoutMs: number,
  signal: AbortSignal,
): Promise<SendOutcome> {
  if (signal.aborted) return { ok: false, error: 'the server was shutting down' };
  const now = new Date();
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'countersign-webhooks',
    'webhook-id': event.eventId,
    'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
    'webhook-signature': signer.sign(event.eventId, now, event.payload),
  };
  const target = new URL(url);
  const request = target.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve) => {
    let settled = false;
    const settle = (outcome: SendOutcome) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      req.destroy();
      resolve(outcome);
    };
    const req = request(target, { method: 'POST', headers, agent: false }, (res) => {
      const status = res.statusCode ?? 0;
      res.destroy();
      if (status >= 200 && status < 300) settle({ ok: true, status });
      else if (status >= 300 && status < 400)
        settle({ ok: false, error: `HTTP ${status}: redirects are not followed` });
      else settle({ ok: false, error: `HTTP ${status}` });
    });
    const timer = setTimeout(() => settle({ ok: false, error: `no reply within ${timeoutMs} ms` }), timeoutMs);
    const onAbort = () => settle({ ok: false, error: 'the server was shutting down' });
    signal.addEventListener('abort', onAbort);
    req.on('error', (error) => settle({ ok: false, error: error.message || String(error) }));
    req.end(event.payload);
  });
}
