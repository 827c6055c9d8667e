// The live grant list's rules on their own, with a clock the test moves: grant.changed messages are kept by id and
// replace one another, a repeated or late message changes nothing wrong, an ended grant never comes back (not from
// a late message, not from a list read before its end), and a grant whose time ran out leaves without a message.
import { afterEach, expect, it } from 'vitest';
import type { KeyGrants } from '../../main/core/api.js';
import { CoreEventEmitter } from '../../main/core/events.js';
import { GrantTracker } from '../../main/core/grant-tracker.js';
import type { Grant } from '../../protocol/index.js';

let now = Date.parse('2026-11-23T10:00:00.000Z');
const clock = { now: () => now };
const trackers: GrantTracker[] = [];
afterEach(() => {
  for (const t of trackers.splice(0)) t.stop();
});

function grant(overrides: Partial<Grant> = {}): Grant {
  return {
    id: 9,
    credential_id: 3,
    scope: 'anywhere',
    installation: null,
    network: null,
    status: 'ACTIVE',
    created: '2026-11-23T10:00:00.000Z',
    created_by_device_id: 7,
    request_uuid: null,
    expires_at: '2026-11-23T18:00:00.000Z',
    max_uses: null,
    uses: 0,
    uses_left: null,
    last_used: null,
    revoked_at: null,
    revoked_by_device_id: null,
    ...overrides,
  };
}

function tracker() {
  const events = new CoreEventEmitter();
  const snapshots: KeyGrants[][] = [];
  events.on('grants:changed', (list) => snapshots.push(list));
  const t = new GrantTracker(events, clock);
  trackers.push(t);
  return { t, snapshots };
}

it('replaces by id; a repeat or an older "used" changes nothing', () => {
  const { t, snapshots } = tracker();
  t.changed('a1', grant());
  t.changed('a1', grant({ uses: 2 }));
  t.changed('a1', grant({ uses: 1 }));
  t.changed('a1', grant({ uses: 2 }));
  expect(t.list()).toEqual([{ accountId: 'a1', credentialId: 3, grants: [grant({ uses: 2 })] }]);
  expect(t.count()).toBe(1);
  expect(snapshots.at(-1)).toEqual(t.list());
});

it('an ended grant never comes back: not from a late "created", not from a list read before the end', () => {
  const { t } = tracker();
  t.changed('a1', grant());
  t.changed('a1', grant({ status: 'REVOKED', revoked_at: '2026-11-23T10:05:00.000Z' }));
  expect(t.list()).toEqual([]);
  t.changed('a1', grant());
  t.replaceKey('a1', 3, [grant({ uses: 1 })]);
  expect(t.list()).toEqual([]);
  // Still named for the notice of the session that used it up.
  expect(t.get('a1', 9)?.status).toBe('REVOKED');
});

it('keeps accounts and keys apart, orders by expiry, and drops a key the account no longer has', () => {
  const { t } = tracker();
  t.changed('a1', grant({ id: 1, expires_at: '2026-11-23T12:00:00.000Z' }));
  t.changed('a1', grant({ id: 2, expires_at: '2026-11-23T11:00:00.000Z' }));
  t.changed('a1', grant({ id: 3, credential_id: 4 }));
  t.changed('a2', grant({ id: 1 }));
  expect(t.list().map((k) => [k.accountId, k.credentialId, k.grants.map((g) => g.id)])).toEqual([
    ['a1', 3, [2, 1]],
    ['a1', 4, [3]],
    ['a2', 3, [1]],
  ]);
  t.keepKeys('a1', new Set([3]));
  t.dropAccount('a2');
  expect(t.list().map((k) => [k.accountId, k.credentialId])).toEqual([['a1', 3]]);
});

it('a grant whose time ran out leaves the list (the server sends nothing for that)', async () => {
  const { t, snapshots } = tracker();
  now = Date.now();
  t.changed('a1', grant({ created: new Date(now).toISOString(), expires_at: new Date(now + 60).toISOString() }));
  expect(t.count()).toBe(1);
  now += 120;
  await new Promise((resolve) => setTimeout(resolve, 250));
  expect(t.list()).toEqual([]);
  expect(snapshots.at(-1)).toEqual([]);
});
