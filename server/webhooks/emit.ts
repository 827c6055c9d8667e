// How a change announces itself to the API provider: one outbox row, written by the change's own transaction, so
// the event exists exactly when the change committed (a rolled-back change tells nobody; a committed one is
// delivered even if the server dies right after). The delivery worker (worker.ts) sends it later.
import { randomUUID } from 'node:crypto';
import type { WebhookBody, WebhookData, WebhookEventType } from '../../protocol/index.js';
import type { Repositories } from '../store/types.js';

/** Inside a transaction: queues the event; `at` is when the change happened (the body's timestamp). */
export async function emitWebhook(
  tx: Repositories,
  type: WebhookEventType,
  data: WebhookData,
  at: number,
): Promise<void> {
  if (!tx.webhooks.recording) return;
  const body: WebhookBody = { type, timestamp: new Date(at).toISOString(), data };
  await tx.webhooks.enqueue({ eventId: `evt_${randomUUID()}`, type, payload: JSON.stringify(body), created: at });
}
