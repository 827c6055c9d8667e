// All domain services of one server, built over one store, hub and config.
import { RateLimits } from '../limits/rate-limiter.js';
import type { AddressObserver } from '../geoip/observer.js';
import { TotpSealer } from '../totp-seal.js';
import { WebhookService } from '../webhooks/service.js';
import { ApprovalService } from './approvals.js';
import { CodeFallbackService } from './code-fallback.js';
import type { ServiceContext } from './context.js';
import { CredentialService } from './credentials.js';
import { PublicKeyCache } from './public-keys.js';
import { DeviceService } from './devices.js';
import { GrantService } from './grants.js';
import { HistoryService } from './history.js';
import { InstallationService } from './installations.js';
import { OperatorService } from './operator.js';
import { PairingService } from './pairing.js';
import { RetentionService } from './retention.js';
import { SessionService } from './sessions.js';

export interface Services {
  credentials: CredentialService;
  sessions: SessionService;
  approvals: ApprovalService;
  devices: DeviceService;
  pairing: PairingService;
  codes: CodeFallbackService;
  installations: InstallationService;
  grants: GrantService;
  /** The user's session requests and device events, read back. */
  history: HistoryService;
  /** The per-address limits: in the shared database on PostgreSQL, in memory on SQLite. */
  limits: RateLimits;
  retention: RetentionService;
  /** The webhook outbox as the operator sees it, and its pruning. */
  webhooks: WebhookService;
  /** Users, keys, codes and devices as the operator manages them (operator API and countersign-admin). */
  operator: OperatorService;
  /** GeoIP/ASN lookups of requester addresses. */
  observer: AddressObserver;
}

export function createServices(ctx: ServiceContext): Services {
  const sessions = new SessionService(ctx);
  if (!ctx.config.totpKey) throw new Error('config.totpKey is missing: startServer reads or makes one.');
  const deviceKeys = new PublicKeyCache();
  const limits = new RateLimits(ctx.store.rateCounts, ctx.config);
  const codes = new CodeFallbackService(ctx, sessions, new TotpSealer(ctx.config.totpKey), limits.codes);
  return {
    credentials: new CredentialService(ctx),
    sessions,
    approvals: new ApprovalService(ctx, sessions, deviceKeys),
    devices: new DeviceService(ctx, deviceKeys),
    pairing: new PairingService(ctx, codes, limits.pairing),
    codes,
    installations: new InstallationService(ctx, new PublicKeyCache()),
    grants: new GrantService(ctx),
    history: new HistoryService(ctx),
    limits,
    retention: new RetentionService(ctx),
    webhooks: new WebhookService(ctx.store, ctx.config),
    operator: new OperatorService(ctx, deviceKeys),
    observer: ctx.config.observer,
  };
}
