// What countersign-server --webhook-url/--webhook-secret-file configure, and the delivery tuning (tests shorten it).
export interface WebhookConfig {
  /** The receivers; each gets every event. */
  urls: string[];
  /** The signing secret in Standard Webhooks form: "whsec_" and base64. */
  secret: string;
  /** One attempt's limit: connect, send and the reply's status line (its body is never read). */
  timeoutMs: number;
  /** Events being delivered at once by one instance: a hanging receiver holds one slot, never the server. */
  concurrency: number;
  /** The first retry's delay; it doubles per attempt up to maxRetryMs, each drawn 50–100 % (jitter). */
  minRetryMs: number;
  maxRetryMs: number;
  /** Retries stop for an event this old (it stays listed as given up; redeliver starts it again). */
  giveUpAfterMs: number;
  /** Delivered and given-up rows are deleted by the sweeper this long after. */
  retentionMs: number;
  /** How often the worker looks for due events. */
  pollMs: number;
}

export const WEBHOOK_DEFAULTS: Omit<WebhookConfig, 'urls' | 'secret'> = {
  timeoutMs: 10_000,
  concurrency: 8,
  minRetryMs: 1_000,
  maxRetryMs: 10 * 60_000,
  giveUpAfterMs: 3 * 86_400_000,
  retentionMs: 7 * 86_400_000,
  pollMs: 250,
};

/** The Standard Webhooks secret form: whsec_ and base64 of 24 to 64 bytes. */
export function isWebhookSecret(text: string): boolean {
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(text);
  if (!match) return false;
  const bytes = Buffer.from(match[1]!, 'base64').length;
  return bytes >= 24 && bytes <= 64;
}

/** Retry delay after the attempt-th failed attempt: capped exponential with 50–100 % jitter. */
export function retryDelayMs(config: Pick<WebhookConfig, 'minRetryMs' | 'maxRetryMs'>, attempt: number): number {
  const base = Math.min(config.maxRetryMs, config.minRetryMs * 2 ** Math.max(0, Math.min(attempt - 1, 30)));
  return Math.round(base * (0.5 + Math.random() / 2));
}
