// All domain services of one server, built over one store, hub and config.
import { RateLimits } from '../http/rate-limiter.js';
import type { AddressObserver } from '../geoip/observer.js';
import { TotpSealer } from '../totp-seal.js';
import { ApprovalService } from './approvals.js';
import { CodeFallbackService } from './code-fallback.js';
import type { ServiceContext } from './context.js';
import { CredentialService } from './credentials.js';
import { DeviceService } from './devices.js';
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
  /** GeoIP/ASN lookups of requester addresses. */
  observer: AddressObserver;
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
    observer: ctx.config.observer,
  };
}
