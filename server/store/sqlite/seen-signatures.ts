import type { Database } from 'better-sqlite3';
import type { SeenSignatureRepository } from '../types.js';
import type { Exec } from './gate.js';

export function sqliteSeenSignatures(db: Database, exec: Exec): SeenSignatureRepository {
  const remember = db.prepare(
    'INSERT INTO seen_signatures (device_id, signature, seen_at) VALUES (?, ?, ?) ON CONFLICT DO NOTHING',
  );
  const prune = db.prepare('DELETE FROM seen_signatures WHERE seen_at < ?');
  return {
    remember: (deviceId, signature, now) => exec(() => remember.run(deviceId, signature, now).changes === 1),
    pruneOlderThan: (time) =>
      exec(() => {
        prune.run(time);
      }),
  };
}
