import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterEach, describe, expect, it } from 'vitest';
import { openDatabase } from '../../main/core/database.js';
import { HistoryStore, describeLocation } from '../../main/core/history-store.js';
import { migrations } from '../../main/core/migrations.js';
import { keytarVault } from '../../main/core/vault.js';
import type { ApprovalRequest } from '../../protocol/index.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

function freshDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'cs-core-db-'));
  dirs.push(dir);
  return dir;
}

function request(credentialId: number, overrides: Partial<ApprovalRequest> = {}): ApprovalRequest {
  return {
    uuid: randomUUID(),
    credential: { id: credentialId, name: `key ${credentialId}`, mode: 'push' },
    description: 'nightly export',
    ip: '203.0.113.7',
    ip_known: false,
    user_agent: 'curl/8',
    geolocation: { longitude: 4.8897, latitude: 52.3731, altitude: 0, radius: 100, country: 'NL' },
    created: '2026-01-01T10:00:00.000Z',
    expiry_time: '2026-01-01T10:02:00.000Z',
    binding_choices: null,
    ...overrides,
  };
}

describe('local database', () => {
  it('is created in WAL mode with every migration applied, and reopens without re-running them', () => {
    const dir = freshDir();
    openDatabase(dir).close();
    const db = openDatabase(dir);
    expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(db.pragma('user_version', { simple: true })).toBe(migrations.length);
    db.close();
  });

  it('refuses a database from a newer version instead of guessing', () => {
    const dir = freshDir();
    openDatabase(dir).close();
    const raw = new Database(join(dir, 'approver.db'));
    raw.pragma(`user_version = ${migrations.length + 1}`);
    raw.close();
    expect(() => openDatabase(dir)).toThrow(/newer version/);
  });
});

describe('local history', () => {
  it('records a request once, keeps its first sighting, and never overwrites a final status', () => {
    const db = openDatabase(freshDir());
    const history = new HistoryStore(db);
    const req = request(1);
    expect(history.recordSeen('acc', req, '2026-01-01T10:00:01.000Z')).toBe(true);
    expect(history.recordSeen('acc', req, '2026-01-01T10:00:09.000Z')).toBe(false);
    expect(history.receivedAt('acc', req.uuid)).toBe('2026-01-01T10:00:01.000Z');
    history.settle('acc', req.uuid, 'ACCEPTED');
    history.settle('acc', req.uuid, 'EXPIRED');
    const [entry] = history.query();
    expect(entry).toMatchObject({
      accountId: 'acc',
      uuid: req.uuid,
      credentialId: 1,
      credentialName: 'key 1',
      description: 'nightly export',
      location: 'NL 52.37, 4.89',
      status: 'ACCEPTED',
      decision: null,
      decisionSignature: null,
    });
    db.close();
  });

  it('stores a decision with its signature and answers queries by account, key, status and time', () => {
    const db = openDatabase(freshDir());
    const history = new HistoryStore(db);
    const a = request(1);
    const b = request(2);
    const c = request(1);
    history.recordSeen('acc-1', a, '2026-01-01T10:00:00.000Z');
    history.recordSeen('acc-1', b, '2026-01-01T11:00:00.000Z');
    history.recordSeen('acc-2', c, '2026-01-01T12:00:00.000Z');
    history.recordDecision('acc-1', a.uuid, {
      decision: 'BLOCK',
      status: 'REJECTED',
      decidedAt: '2026-01-01T10:00:05.000Z',
      trustIp: false,
      deactivateCredential: true,
      signature: 'sig',
    });
    expect(history.query().map((e) => e.uuid)).toEqual([c.uuid, b.uuid, a.uuid]);
    expect(history.query({ accountId: 'acc-1' }).map((e) => e.uuid)).toEqual([b.uuid, a.uuid]);
    expect(history.query({ credentialId: 1 }).map((e) => e.uuid)).toEqual([c.uuid, a.uuid]);
    expect(history.query({ status: 'REJECTED' })).toMatchObject([
      { uuid: a.uuid, decision: 'BLOCK', deactivateCredential: true, trustIp: false, decisionSignature: 'sig' },
    ]);
    expect(
      history.query({ since: '2026-01-01T10:30:00Z', until: '2026-01-01T12:30:00+01:00' }).map((e) => e.uuid),
    ).toEqual([b.uuid]);
    expect(history.query({ limit: 1 })).toHaveLength(1);
    db.close();
  });

  it('describes a location without a country, and no location as null', () => {
    expect(describeLocation({ longitude: -0.1276, latitude: 51.5072, altitude: 0, radius: 5, country: null })).toBe(
      '51.51, -0.13',
    );
    expect(describeLocation(null)).toBeNull();
  });
});

describe('local history retention', () => {
  const DAY = 86_400_000;
  const NOW = Date.parse('2026-06-01T12:00:00.000Z');
  const daysAgo = (days: number) => new Date(NOW - days * DAY).toISOString();

  /**
   * A history file with decided rows received `ages` days ago, a pending row from 400 days ago long past its expiry
   * (the desktop was off), and one from 400 days ago whose expiry has not come (a clock far off: kept, on screen).
   */
  function historyWith(dir: string, ages: number[]) {
    const db = openDatabase(dir);
    const store = new HistoryStore(db);
    for (const age of ages) {
      const seen = request(1, { description: `${age} days old` });
      store.recordSeen('a', seen, daysAgo(age));
      store.settle('a', seen.uuid, 'ACCEPTED');
    }
    store.recordSeen('a', request(1, { description: 'stale pending' }), daysAgo(400));
    const onScreen = request(1, { description: 'still pending', expiry_time: new Date(NOW + 60_000).toISOString() });
    store.recordSeen('a', onScreen, daysAgo(400));
    db.close();
  }

  it('the core prunes rows older than its retention at start, keeping what may be on screen (default 90 days)', async () => {
    const dir = freshDir();
    historyWith(dir, [1, 89, 91, 365]);
    const { createApproverCore } = await import('../../main/core/index.js');
    // No account, so the keychain is never asked: only the database is used.
    const vault = keytarVault();
    const core = createApproverCore({ dataDir: dir, vault, clock: { now: () => NOW } });
    await core.start();
    expect(core.localHistory().map((entry) => entry.description)).toEqual([
      '1 days old',
      '89 days old',
      'still pending',
    ]);
    await core.stop();

    const shorter = createApproverCore({ dataDir: dir, vault, clock: { now: () => NOW }, historyRetentionDays: 30 });
    await shorter.start();
    expect(shorter.localHistory().map((entry) => entry.description)).toEqual(['1 days old', 'still pending']);
    await shorter.stop();
  });

  it('refuses a retention that is not a whole number of days', async () => {
    const { createApproverCore } = await import('../../main/core/index.js');
    const vault = keytarVault();
    for (const days of [0, -1, 1.5, Number.NaN])
      expect(() => createApproverCore({ dataDir: freshDir(), vault, historyRetentionDays: days })).toThrow(
        /historyRetentionDays/,
      );
  });
});
