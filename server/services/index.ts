// All domain services of one server, built over one store, hub and config.
import { ApprovalService } from './approvals.js';
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
}

export function createServices(ctx: ServiceContext): Services {
  const sessions = new SessionService(ctx);
  return {
    credentials: new CredentialService(ctx),
    sessions,
    approvals: new ApprovalService(ctx, sessions),
    devices: new DeviceService(ctx),
    pairing: new PairingService(ctx),
  };
}
