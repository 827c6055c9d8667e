// Signed webhooks (Standard Webhooks): the events the approval server tells the API provider about. Each delivery
// is a POST with the headers webhook-id (the event id, stable across retries: de-duplicate on it),
// webhook-timestamp and webhook-signature, and this JSON body. Ids and facts only, never a secret.
import { z } from 'zod';
import { Timestamp } from './primitives.js';

export const WebhookEventType = z.enum([
  'session_request.created',
  'session_request.accepted',
  'session_request.rejected',
  'session_request.expired',
  'session.opened',
  'session.ended',
  'key.created',
  'key.locked',
  'key.deactivated',
  'device.paired',
  'device.removed',
  'grant.created',
  'grant.revoked',
  'grant.used',
]);
export type WebhookEventType = z.infer<typeof WebhookEventType>;

/** The webhook-id header's form: "evt_" and a random UUID. */
export const WebhookEventId = z.string().regex(/^evt_[0-9a-f-]{36}$/);

/** Facts of one event: ids and plain values (numbers, strings, booleans, null), never a secret. */
export const WebhookData = z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()]));
export type WebhookData = z.infer<typeof WebhookData>;

export const WebhookBody = z.object({
  type: WebhookEventType,
  /** When the change happened (the attempt's time is the webhook-timestamp header). */
  timestamp: Timestamp,
  data: WebhookData,
});
export type WebhookBody = z.infer<typeof WebhookBody>;

/** Why a session ended (session.ended's reason). */
export type SessionEndReason = 'closed' | 'key_deactivated' | 'key_locked';
