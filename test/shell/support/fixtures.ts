// Plain data as the core hands it to the shell (accounts, pending approvals), for the shell's pure functions.
import { randomUUID } from 'node:crypto';
import type { Account, ConnectionState, PendingApproval } from '../../../main/core/api.js';
import type { ApprovalRequest } from '../../../protocol/index.js';

export function anAccount(overrides: Partial<Account> = {}, connection?: ConnectionState): Account {
  return {
    id: 'acct-1',
    server: 'https://approve.example.com',
    userId: 1,
    userName: 'alice',
    deviceId: 7,
    deviceName: 'alice-laptop',
    created: '2026-11-23T08:00:00.000Z',
    tlsFingerprint: null,
    connection: connection ?? { state: 'connected', since: '2026-11-23T08:00:00.000Z' },
    clientIp: '203.0.113.9',
    ...overrides,
  };
}

export function aPendingApproval(request: Partial<ApprovalRequest> = {}, accountId = 'acct-1'): PendingApproval {
  const created = new Date();
  const expiry = request.expiry_time ?? new Date(created.getTime() + 120_000).toISOString();
  return {
    accountId,
    receivedAt: created.toISOString(),
    // The desktop's clock agrees with the server's here.
    expiresAt: expiry,
    request: {
      uuid: randomUUID(),
      credential: { id: 3, name: 'billing-bot', mode: 'push' },
      description: 'nightly export',
      ip: '198.51.100.23',
      ip_known: false,
      user_agent: 'curl/8.5',
      geolocation: { longitude: 4.89, latitude: 52.37, altitude: 0, radius: 100, country: 'NL' },
      created: created.toISOString(),
      expiry_time: expiry,
      binding_choices: null,
      ...request,
    },
  };
}
