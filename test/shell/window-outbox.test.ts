// A window's outbox on its own: held until ready, snapshots coalesced, fire-once events kept, bounded.
import { describe, expect, it } from 'vitest';
import { createWindowOutbox } from '../../main/shell/window-outbox.js';
import { anAccount, aPendingApproval } from './support/fixtures.js';

function recorder() {
  const sent: Array<{ channel: string; payload: unknown }> = [];
  return { sent, target: { send: (channel: string, payload: unknown) => sent.push({ channel, payload }) } };
}

describe('window outbox', () => {
  it('keeps every fire-once event and the newest snapshot of each kind', () => {
    const { sent, target } = recorder();
    const outbox = createWindowOutbox(target);
    const closed = (uuid: string) => ({ accountId: 'a', uuid, status: 'EXPIRED', by: 'expiry' }) as const;
    outbox.send('accounts:changed', [anAccount({ id: 'old' })]);
    outbox.send('approval:closed', closed('u1'));
    outbox.send('approval:closed', closed('u2'));
    outbox.send('accounts:changed', [anAccount({ id: 'new' })]);
    outbox.send('approvals:changed', [aPendingApproval()]);
    expect(outbox.waiting).toBe(4);
    outbox.ready();
    expect(sent.map((m) => m.channel)).toEqual([
      'approval:closed',
      'approval:closed',
      'accounts:changed',
      'approvals:changed',
    ]);
    expect(sent[2]?.payload).toEqual([anAccount({ id: 'new' })]);
    expect(outbox.waiting).toBe(0);
  });

  it('drops the oldest message past its limit and says so, so a page that never loads cannot grow memory', () => {
    const { sent, target } = recorder();
    const dropped: string[] = [];
    const outbox = createWindowOutbox(target, { limit: 2, onDrop: (event) => dropped.push(event) });
    const locked = (credentialId: number) => ({ accountId: 'a', credentialId, credentialName: 'k', reason: 'r' });
    for (const id of [1, 2, 3]) outbox.send('credential:locked', locked(id));
    expect(dropped).toEqual(['credential:locked']);
    outbox.ready();
    expect(sent.map((m) => (m.payload as { credentialId: number }).credentialId)).toEqual([2, 3]);
  });
});
