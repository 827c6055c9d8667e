// Core events reach the renderer as contract events, through the core's own event emitter.
import { describe, expect, it } from 'vitest';
import type { EventChannel } from '../../ipc/contract.js';
import { CoreEventEmitter } from '../../main/core/events.js';
import { forwardCoreEvents } from '../../main/ipc/events.js';
import { anAccount, aPendingApproval } from './support/fixtures.js';

describe('forwardCoreEvents', () => {
  it('forwards each core event that is a renderer event, under its own name, and stops on unsubscribe', () => {
    const events = new CoreEventEmitter();
    const sent: Array<{ event: EventChannel; payload: unknown }> = [];
    const unsubscribe = forwardCoreEvents(events, (event, payload) => sent.push({ event, payload }));

    const pending = [aPendingApproval()];
    const closed = {
      accountId: 'acct-1',
      uuid: pending[0]!.request.uuid,
      status: 'ACCEPTED' as const,
      by: 'elsewhere' as const,
    };
    const locked = { accountId: 'acct-1', credentialId: 3, credentialName: 'billing-bot', reason: 'three blocks' };
    events.emit('approval:added', pending[0]!, { firstSeen: true });
    events.emit('approvals:changed', pending);
    events.emit('approval:closed', closed);
    events.emit('accounts:changed', [anAccount()]);
    events.emit('credential:locked', locked);
    expect(sent).toEqual([
      { event: 'approvals:changed', payload: pending },
      { event: 'approval:closed', payload: closed },
      { event: 'accounts:changed', payload: [anAccount()] },
      { event: 'credential:locked', payload: locked },
    ]);

    unsubscribe();
    events.emit('approvals:changed', []);
    expect(sent).toHaveLength(4);
  });
});
