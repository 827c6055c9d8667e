// The store's prune calls on both dialects: each deletes at most its batch, only what it is meant to (history: not
// PENDING and created before the time; sessions: ended or expired; pairing codes: used or expired), and says how
// many rows it deleted, so the sweeper can run batch after batch until one comes back short.
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../server/store/open.js';
import type { Store } from '../../server/store/types.js';
import { createTestDatabase } from '../support/postgres.js';
import { tempDir } from '../support/server.js';
import { newRequest } from './support/new-request.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function fresh(kind: 'sqlite' | 'postgres'): Promise<Store> {
  let db: string;
  if (kind === 'sqlite') {
    const dir = await tempDir();
    cleanups.push(dir.remove);
    db = join(dir.path, 'prune.db');
  } else {
    const database = await createTestDatabase();
    cleanups.push(database.drop);
    db = database.url;
  }
  const store = await openStore(db);
  cleanups.push(() => store.close());
  return store;
}

const T = 1_700_000_000_000;

for (const kind of ['sqlite', 'postgres'] as const) {
  describe(`${kind} prune`, () => {
    it('deletes old finished history in batches and never a PENDING request', async () => {
      const store = await fresh(kind);
      const user = await store.users.create('alice', T);
      const key = await store.credentials.create({
        userId: user.id,
        name: 'k',
        keyHash: 'b'.repeat(64),
        mode: 'push',
        codeLength: 0,
        allowCodeFallback: false,
        created: T,
        expiryTime: T + 86_400_000,
      });
      const request = (n: number, status: 'PENDING' | 'ACCEPTED', created: number) =>
        store.requests.create(
          newRequest(n, { credentialId: key.id, userId: user.id, status, created, expiryTime: created + 120_000 }),
        );
      for (let n = 1; n <= 5; n += 1) await request(n, 'ACCEPTED', T);
      await request(6, 'PENDING', T);
      await request(7, 'ACCEPTED', T + 10);
      expect(await store.requests.pruneHistoryBefore(T + 1, 2)).toBe(2);
      expect(await store.requests.pruneHistoryBefore(T + 1, 2)).toBe(2);
      expect(await store.requests.pruneHistoryBefore(T + 1, 2)).toBe(1);
      expect(await store.requests.pruneHistoryBefore(T + 1, 2)).toBe(0);
      expect(await store.requests.byUuid('00000000-0000-4000-8000-000000000006')).not.toBeNull();
      expect(await store.requests.byUuid('00000000-0000-4000-8000-000000000007')).not.toBeNull();
    });

    it('deletes ended and expired sessions, spent pairing codes, and nothing live', async () => {
      const store = await fresh(kind);
      const user = await store.users.create('bob', T);
      const key = await store.credentials.create({
        userId: user.id,
        name: 'k',
        keyHash: 'c'.repeat(64),
        mode: 'ip-only',
        codeLength: 0,
        allowCodeFallback: false,
        created: T,
        expiryTime: T + 86_400_000,
      });
      const session = (n: number, expires: number) =>
        store.sessions.create({
          tokenHash: String(n).repeat(64).slice(0, 64),
          credentialId: key.id,
          userId: user.id,
          ip: '192.0.2.1',
          created: T,
          expires,
        });
      const ended = await session(1, T + 3_600_000);
      await store.sessions.end(ended.id, T + 5);
      await session(2, T + 5);
      await session(3, T + 6);
      const live = await session(4, T + 3_600_000);
      expect(await store.sessions.pruneEndedOrExpired(T + 10, 2)).toBe(2);
      expect(await store.sessions.pruneEndedOrExpired(T + 10, 2)).toBe(1);
      expect(await store.sessions.pruneEndedOrExpired(T + 10, 2)).toBe(0);
      expect((await store.sessions.byId(live.id))?.ended).toBeNull();

      const code = (hash: string, expires: number) =>
        store.pairingCodes.create({
          codeHash: hash.repeat(64),
          userId: user.id,
          created: T,
          expires,
          invitedByDeviceId: null,
        });
      await code('d', T + 600_000);
      await code('e', T + 5);
      await code('f', T + 600_000);
      expect(await store.pairingCodes.consume('d'.repeat(64), T + 1)).not.toBeNull();
      expect(await store.pairingCodes.pruneSpent(T + 10, 10)).toBe(2);
      expect(await store.pairingCodes.consume('f'.repeat(64), T + 11)).not.toBeNull();
    });
  });
}
