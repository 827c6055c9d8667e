import { toBase64Url } from '../../../protocol/crypto.js';
import type { SeenSignatureRepository, StoreKind } from '../types.js';
import { changed, type Db, pruneAging } from './db.js';
import { prepared } from './prepared.js';

// Every signed call records its signature: built once (prepared.ts).
const REMEMBER = prepared((db, _kind, deviceId: number, signature: string, now: number) =>
  db
    .insertInto('seen_signatures')
    .values({ device_id: deviceId, signature, seen_at: now })
    .onConflict((conflict) => conflict.doNothing()),
);

export function seenSignatures(db: Db, kind: StoreKind): SeenSignatureRepository {
  const remember = REMEMBER(db, kind);
  return {
    // Keyed on the bytes: the column holds their canonical base64url, one text per byte string whatever spelling
    // the call used. (The column is unchanged, so records written before this rule still meet their replays:
    // genuine clients always sent the canonical text.)
    remember: async (deviceId, signature, now) => changed(await remember(deviceId, toBase64Url(signature), now)) === 1,
    pruneOlderThan: (time, limit) => pruneAging(db, 'seen_signatures', time, limit),
  };
}
