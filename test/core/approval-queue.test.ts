import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { PendingApproval } from '../../main/core/api.js';
import { ApprovalQueue } from '../../main/core/approval-queue.js';
import { systemClock } from '../../main/core/clock.js';
import type { ApprovalRequest } from '../../protocol/index.js';

function request(created: string, overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    uuid: randomUUID(),
    credential: { id: 1, name: 'deploy bot', mode: 'push' },
    description: null,
    ip: '127.0.0.1',
    ip_known: false,
    user_agent: null,
    geolocation: null,
    created,
    expiry_time: new Date(Date.now() + 120_000).toISOString(),
    binding_choices: null,
    ...overrides,
  };
}

function approval(req: ApprovalRequest, accountId = 'a'): PendingApproval {
  return { accountId, request: req, receivedAt: new Date().toISOString(), expiresAt: req.expiry_time };
}

describe('approval queue', () => {
  it('keeps one entry per uuid, oldest request first', () => {
    const queue = new ApprovalQueue(systemClock, () => {});
    const later = request('2026-01-01T10:00:05.000Z');
    const earlier = request('2026-01-01T10:00:01.000Z');
    const inFuture = Date.now() + 60_000;
    expect(queue.add(approval(later), inFuture)).toBe(true);
    expect(queue.add(approval(earlier, 'b'), inFuture)).toBe(true);
    expect(queue.add(approval(later), inFuture)).toBe(false);
    expect(queue.list().map((a) => a.request.uuid)).toEqual([earlier.uuid, later.uuid]);
    expect(queue.forAccount('b').map((a) => a.request.uuid)).toEqual([earlier.uuid]);
    expect(queue.remove(earlier.uuid)?.accountId).toBe('b');
    expect(queue.remove(earlier.uuid)).toBeNull();
    expect(queue.list()).toHaveLength(1);
    queue.clear();
    expect(queue.list()).toEqual([]);
  });

  it('refuses a request that has already expired', () => {
    const queue = new ApprovalQueue(systemClock, () => {});
    expect(queue.add(approval(request('2026-01-01T10:00:00.000Z')), Date.now() - 1)).toBe(false);
    expect(queue.list()).toEqual([]);
  });

  it('drops a request at its expiry time and reports it once', async () => {
    const expired: string[] = [];
    let reported!: () => void;
    const done = new Promise<void>((resolve) => {
      reported = resolve;
    });
    const queue = new ApprovalQueue(systemClock, (a) => {
      expired.push(a.request.uuid);
      reported();
    });
    const soon = request('2026-01-01T10:00:00.000Z');
    const later = request('2026-01-01T10:00:01.000Z');
    queue.add(approval(soon), Date.now() + 150);
    queue.add(approval(later), Date.now() + 60_000);
    await done;
    expect(expired).toEqual([soon.uuid]);
    expect(queue.has(soon.uuid)).toBe(false);
    expect(queue.list().map((a) => a.request.uuid)).toEqual([later.uuid]);
    queue.clear();
  });
});
