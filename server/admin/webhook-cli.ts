// countersign-admin webhook status|redeliver: what the webhook outbox holds and failed, and sending events again.
import { WebhookService } from '../webhooks/service.js';
import { type AdminCommands, AdminError } from './commands.js';

export interface WebhookFlags {
  event?: string;
  failed?: boolean;
}

/** The command's JSON result, or undefined when the command is not one of these. */
export async function runWebhookCommand(admin: AdminCommands, command: string, flags: WebhookFlags) {
  if (!command.startsWith('webhook ')) return undefined;
  const service = new WebhookService(admin.store, { webhooks: null, now: Date.now });
  if (command === 'webhook status') return service.status();
  if (command !== 'webhook redeliver') return undefined;
  if ((flags.event === undefined) === (flags.failed !== true)) {
    throw new AdminError('webhook redeliver needs --event ID or --failed (one of them).');
  }
  if (flags.failed) return { redelivered: await service.redeliverFailed() };
  const eventId = flags.event!;
  if (!(await service.redeliver(eventId))) {
    throw new AdminError(
      `No webhook event "${eventId}". See the undelivered ones with: countersign-admin webhook status`,
    );
  }
  return { redelivered: [eventId] };
}
