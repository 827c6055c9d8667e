// The webhook outbox's lease, the rule that lets several instances deliver without sending one event twice at once
// and lets a live instance take over what a dead one had claimed: while a lease holds nobody else claims the event,
// once it has expired another owner does (counting a new attempt), and the first owner's late outcome is then
// refused instead of overwriting the new owner's. Times are given, not waited for.
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../server/store/open.js';
import type { Store, WebhookAttemptResult } from '../../server/store/types.js';
import { type Cleanups, freshDatabase } from './support/fresh-database.js';

const cleanups: Cleanups = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function open(kind: 'sqlite' | 'postgres'): Promise<Store> {
  const store = await openStore(await freshDatabase(kind, cleanups));
  cleanups.push(() => store.close());
  return store;
}

const CREATED = 1_000;
const LEASE_MS = 25_000;

const delivered = (at: number): WebhookAttemptResult => ({
  doneUrls: ['http://127.0.0.1:9/hook'],
  lastErrors: {},
  deliveredAt: at,
  nextAttemptAt: at,
  givenUpAt: null,
});

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`${kind} store: the webhook lease`, () => {
    it('keeps a claimed event from others until its lease ends, then lets another owner take it', async () => {
      const store = await open(kind);
      await store.webhooks.enqueue({ eventId: 'evt_1', type: 'session.approved', payload: '{}', created: CREATED });
      const claim = (owner: string, now: number) =>
        store.transaction((tx) => tx.webhooks.claimDue({ now, limit: 8, owner, leaseUntil: now + LEASE_MS }));

      const first = await claim('instance-a', CREATED);
      expect(first.map((row) => [row.eventId, row.leaseOwner, row.attempts])).toEqual([['evt_1', 'instance-a', 1]]);
      // Instance A dies mid-attempt. While its lease holds, B finds nothing to do.
      expect(await claim('instance-b', CREATED + LEASE_MS - 1)).toEqual([]);
      // At the lease's end B takes it, as a second attempt.
      const taken = await claim('instance-b', CREATED + LEASE_MS);
      expect(taken.map((row) => [row.eventId, row.leaseOwner, row.attempts])).toEqual([['evt_1', 'instance-b', 2]]);

      // A's outcome arriving late changes nothing; B's is recorded.
      const seq = taken[0]!.seq;
      expect(await store.transaction((tx) => tx.webhooks.finish(seq, 'instance-a', delivered(30_000)))).toBe(false);
      expect((await store.webhooks.byEventId('evt_1'))?.deliveredAt).toBeNull();
      expect(await store.transaction((tx) => tx.webhooks.finish(seq, 'instance-b', delivered(31_000)))).toBe(true);
      expect(await store.webhooks.byEventId('evt_1')).toMatchObject({
        deliveredAt: 31_000,
        leaseOwner: null,
        attempts: 2,
      });
      // Delivered: nobody claims it again.
      expect(await claim('instance-a', CREATED + 10 * LEASE_MS)).toEqual([]);
    });
  });
}
