// All domain services of one server, built over one store, hub and config.
import { RateLimits } from '../http/rate-limiter.js';
import { TotpSealer } from '../totp-seal.js';
import { WebhookService } from '../webhooks/service.js';
import { ApprovalService } from './approvals.js';
import { CodeFallbackService } from './code-fallback.js';
import type { ServiceContext } from './context.js';
import { CredentialService } from './credentials.js';
import { DeviceService } from './devices.js';
import { OperatorService } from './operator.js';
import { PairingService } from './pairing.js';
import { SessionService } from './sessions.js';

export interface Services {
  credentials: CredentialService;
  sessions: SessionService;
  approvals: ApprovalService;
  devices: DeviceService;
  pairing: PairingService;
  codes: CodeFallbackService;
  /** The per-address limits: in the shared database on PostgreSQL, in memory on SQLite. */
  limits: RateLimits;
  /** The webhook outbox as the operator sees it, and its pruning. */
  webhooks: WebhookService;
  /** Users, keys, codes and devices as the operator manages them (operator API and countersign-admin). */
  operator: OperatorService;
}

export function createServices(ctx: ServiceContext): Services {
  const sessions = new SessionService(ctx);
  if (!ctx.config.totpKey) throw new Error('config.totpKey is missing: startServer reads or makes one.');
  const codes = new CodeFallbackService(ctx, sessions, new TotpSealer(ctx.config.totpKey));
  return {
    credentials: new CredentialService(ctx),
    sessions,
    approvals: new ApprovalService(ctx, sessions),
    devices: new DeviceService(ctx),
    pairing: new PairingService(ctx, codes),
    codes,
    limits: new RateLimits(ctx.store.rateCounts, ctx.config),
    webhooks: new WebhookService(ctx.store, ctx.config),
    operator: new OperatorService(ctx),
  };
}
