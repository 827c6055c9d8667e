import { type Selectable, sql, type Updateable } from 'kysely';
import { prepared } from './prepared.js';
import type { CredentialsTable } from '../schema.js';
import type { CredentialChanges, CredentialRepository, CredentialRow, StoreKind } from '../types.js';
import { type Db, flag, isSet } from './db.js';

type Raw = Selectable<CredentialsTable> & {
  permitted_ip_count: number | string;
  unrevoked_grant_count: number | string;
};

function row(raw: Raw): CredentialRow {
  return {
    id: raw.id,
    userId: raw.user_id,
    name: raw.name,
    keyHash: raw.key_hash,
    mode: raw.mode,
    codeLength: Number(raw.code_length),
    status: raw.status,
    created: raw.created,
    updated: raw.updated,
    expiryTime: raw.expiry_time,
    lastUsed: raw.last_used,
    permittedDeviceDescription: raw.permitted_device_description,
    permittedDeviceIp: raw.permitted_device_ip,
    blocksCountedSince: raw.blocks_counted_since,
    permittedIpCount: Number(raw.permitted_ip_count),
    unrevokedGrantCount: Number(raw.unrevoked_grant_count),
    allowCodeFallback: isSet(raw.allow_code_fallback),
  };
}

// Column of each changeable field; update() only ever names columns from this map, never caller text.
const CHANGE_COLUMNS = {
  status: 'status',
  mode: 'mode',
  name: 'name',
  codeLength: 'code_length',
  expiryTime: 'expiry_time',
  lastUsed: 'last_used',
  permittedDeviceDescription: 'permitted_device_description',
  permittedDeviceIp: 'permitted_device_ip',
  blocksCountedSince: 'blocks_counted_since',
  allowCodeFallback: 'allow_code_fallback',
  updated: 'updated',
} as const satisfies Record<keyof CredentialChanges, keyof CredentialsTable>;

/**
 * What a key row carries besides its columns: how many permitted IPs and unrevoked grants it has. keyId names the
 * key's id column as the query spells it (an UPDATE's RETURNING must use the table's own name, see RECORD_USE).
 */
const keyCounts = (db: Db, keyId: 'c.id' | 'credentials.id') => [
  db
    .selectFrom('permitted_ips as p')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('p.credential_id', '=', sql.ref<number>(keyId))
    .as('permitted_ip_count'),
  db
    .selectFrom('grants as g')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('g.credential_id', '=', sql.ref<number>(keyId))
    .where('g.revoked_at', 'is', null)
    .as('unrevoked_grant_count'),
];

const selectCredentials = (db: Db) => db.selectFrom('credentials as c').selectAll('c').select(keyCounts(db, 'c.id'));

// The queries every session attempt and decision runs, built once (prepared.ts).
const BY_ID = prepared((db, _kind, id: number) => selectCredentials(db).where('c.id', '=', id));
// SQLite has no FOR UPDATE; its BEGIN IMMEDIATE already keeps every other writer out.
const HOLD = prepared((db, kind, id: number) =>
  selectCredentials(db)
    .where('c.id', '=', id)
    .$if(kind === 'postgres', (query) => query.forUpdate('c')),
);
// Only the row lock (PostgreSQL); SQLite needs no statement, see above.
const LOCK = prepared((db, _kind, id: number) =>
  db.selectFrom('credentials').select('id').where('id', '=', id).forUpdate(),
);
const HOLD_BY_KEY_HASH = prepared((db, kind, hash: string) =>
  selectCredentials(db)
    .where('c.key_hash', '=', hash)
    .$if(kind === 'postgres', (query) => query.forUpdate('c')),
);
const BY_KEY_HASH = prepared((db, _kind, hash: string) => selectCredentials(db).where('c.key_hash', '=', hash));
const UPDATE = prepared((db, _kind, id: number, values: Updateable<CredentialsTable>) =>
  db.updateTable('credentials').set(values).where('id', '=', id),
);
// The write that records a use also holds the row and returns it as the write left it: one statement where a token
// hand-out used to hold, then update. (On PostgreSQL an UPDATE that changes no key column takes FOR NO KEY UPDATE,
// one step weaker than FOR UPDATE: it still waits for and blocks every hold of the key; only the foreign-key checks
// of rows inserted for the key pass it, and those run in transactions that hold the key first.)
const RECORD_USE = prepared((db, _kind, id: number, values: Updateable<CredentialsTable>) =>
  db
    .updateTable('credentials')
    .set(values)
    .where('credentials.id', '=', id)
    // `*` and the table's own name: SQLite's RETURNING takes neither a qualified wildcard nor the table's alias.
    .returningAll()
    .returning(keyCounts(db, 'credentials.id')),
);

/** The columns (and their stored values) of a set of changes; the prepared UPDATE is compiled once per set. */
function columnsOf(changes: CredentialChanges): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(changes)) {
    if (value === undefined) continue;
    values[CHANGE_COLUMNS[key as keyof CredentialChanges]] = typeof value === 'boolean' ? flag(value) : value;
  }
  if (changes.codeLength !== undefined) values.number_matching = flag(changes.codeLength > 0);
  return values;
}

export function credentials(db: Db, kind: StoreKind): CredentialRepository {
  const select = () => selectCredentials(db);
  const first = (result: { rows: unknown[] }) => (result.rows[0] ? row(result.rows[0] as Raw) : null);
  const byId = BY_ID(db, kind);
  const hold = HOLD(db, kind);
  const lock = LOCK(db, kind);
  const byKeyHash = BY_KEY_HASH(db, kind);
  const holdByKeyHash = HOLD_BY_KEY_HASH(db, kind);
  const update = UPDATE(db, kind);
  const recordUse = RECORD_USE(db, kind);
  const read = async (id: number) => first(await byId(id));
  return {
    create: async (c) => {
      const { id } = await db
        .insertInto('credentials')
        .values({
          user_id: c.userId,
          name: c.name,
          key_hash: c.keyHash,
          mode: c.mode,
          number_matching: flag(c.codeLength > 0),
          code_length: c.codeLength,
          status: 'PENDING_FIRST_USE',
          created: c.created,
          updated: c.created,
          expiry_time: c.expiryTime,
          allow_code_fallback: flag(c.allowCodeFallback ?? false),
        })
        .returning('id')
        .executeTakeFirstOrThrow();
      return (await read(id))!;
    },
    byId: read,
    hold: async (id) => first(await hold(id)),
    holdWithoutReading: async (id) => {
      if (kind === 'postgres') await lock(id);
    },
    byKeyHash: async (hash) => first(await byKeyHash(hash)),
    holdByKeyHash: async (hash) => first(await holdByKeyHash(hash)),
    listByUser: async (userId) =>
      (await select().where('c.user_id', '=', userId).orderBy('c.id').execute()).map((raw) => row(raw as Raw)),
    update: async (id, changes) => {
      await update(id, columnsOf(changes));
    },
    holdAndRecordUse: async (id, use) => first(await recordUse(id, columnsOf(use))),
  };
}
