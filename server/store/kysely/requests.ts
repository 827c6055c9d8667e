import { type ExpressionBuilder, type Insertable, type Selectable, sql, type Updateable } from 'kysely';
import type { Schema, SessionRequestsTable } from '../schema.js';
import type { LookupStatus } from '../../../protocol/index.js';
import type {
  DecisionRecord,
  NewSessionRequest,
  ObservedAddress,
  PlainApproval,
  SessionRequestRepository,
  SessionRequestRow,
  StoreKind,
} from '../types.js';
import { changed, type Db, deleted, flag, isSet } from './db.js';
import { prepared } from './prepared.js';

type Raw = Selectable<SessionRequestsTable> & {
  credential_name: string;
  credential_mode: SessionRequestRow['credentialMode'];
  installation_name: string | null;
  installation_public_key: string | null;
  installation_created: number | null;
  installation_sessions_opened: number | null;
};

const num = (value: number | string | null) => (value === null ? null : Number(value));

function observedOf(raw: Raw): ObservedAddress | null {
  if (raw.observed_lookup === null) return null;
  return {
    country: raw.observed_country,
    region: raw.observed_region,
    city: raw.observed_city,
    latitude: num(raw.observed_latitude),
    longitude: num(raw.observed_longitude),
    asn: num(raw.observed_asn),
    asnName: raw.observed_asn_name,
    lookup: raw.observed_lookup as LookupStatus,
  };
}

function observedColumns(observed: ObservedAddress | null) {
  return {
    observed_country: observed?.country ?? null,
    observed_region: observed?.region ?? null,
    observed_city: observed?.city ?? null,
    observed_latitude: observed?.latitude ?? null,
    observed_longitude: observed?.longitude ?? null,
    observed_asn: observed?.asn ?? null,
    observed_asn_name: observed?.asnName ?? null,
    observed_lookup: observed?.lookup ?? null,
  };
}

function row(raw: Raw): SessionRequestRow {
  return {
    seq: Number(raw.seq),
    uuid: raw.uuid,
    credentialId: raw.credential_id,
    credentialName: raw.credential_name,
    credentialMode: raw.credential_mode,
    userId: raw.user_id,
    status: raw.status,
    description: raw.description,
    ip: raw.ip,
    ipKnown: isSet(raw.ip_known),
    userAgent: raw.user_agent,
    geolocation: raw.geolocation === null ? null : JSON.parse(raw.geolocation),
    bindingCode: raw.binding_code,
    bindingChoices: raw.binding_choices === null ? null : JSON.parse(raw.binding_choices),
    created: raw.created,
    expiryTime: raw.expiry_time,
    decidedAt: raw.decided_at,
    decidedByDeviceId: raw.decided_by_device_id,
    decision: raw.decision,
    trustIp: isSet(raw.trust_ip),
    deactivateCredential: isSet(raw.deactivate_credential),
    bindingMismatch: isSet(raw.binding_mismatch),
    decisionSignature: raw.decision_signature,
    autoAccepted: isSet(raw.auto_accepted),
    tokenDelivered: isSet(raw.token_delivered),
    sessionId: raw.session_id,
    approvedByCode: isSet(raw.approved_by_code),
    wrongCode: isSet(raw.wrong_code),
    claimHash: raw.claim_hash,
    deliveredAt: raw.delivered_at,
    installation:
      raw.installation_id === null
        ? null
        : {
            id: raw.installation_id,
            name: raw.installation_name ?? '',
            publicKey: raw.installation_public_key ?? '',
            created: raw.installation_created ?? 0,
            sessionsOpened: raw.installation_sessions_opened ?? 0,
          },
    grantId: raw.grant_id,
    permittedIp: raw.permitted_ip,
    grantCreated: raw.grant_created,
    observed: observedOf(raw),
    changes: raw.changes === null ? null : JSON.parse(raw.changes),
    repeatCount: Number(raw.repeat_count),
  };
}

// The key's name and mode come along with every request row: every reader (push, history) shows them.
const INSTALLATION_COLUMNS = [
  ['name', 'installation_name'],
  ['public_key', 'installation_public_key'],
  ['created', 'installation_created'],
  ['sessions_opened', 'installation_sessions_opened'],
] as const;
// The key's and the installation's columns come by scalar sub-select, not by JOIN: SQLite 3.54 takes about 60 µs
// for `r.*` beside a joined table's column (the cost grows with the row's 42 columns) and about 7 µs for the same
// row with six sub-selects, each a primary-key lookup (measured with better-sqlite3 on this schema). The request
// row is read several times per approval, so this is the largest single cost of the hot path. PostgreSQL plans
// both alike. A request always has its key (foreign key), so the inner join's filter is not lost.
const selectRequests = (db: Db) =>
  db
    .selectFrom('session_requests as r')
    .selectAll('r')
    .select((eb) => [
      eb.selectFrom('credentials as c').select('c.name').whereRef('c.id', '=', 'r.credential_id').as('credential_name'),
      eb.selectFrom('credentials as c').select('c.mode').whereRef('c.id', '=', 'r.credential_id').as('credential_mode'),
      ...INSTALLATION_COLUMNS.map(([column, as]) =>
        eb
          .selectFrom('requester_installations as i')
          .select(`i.${column}`)
          .whereRef('i.id', '=', 'r.installation_id')
          .as(as),
      ),
    ])
    // A sub-select's type is "or null" and a column named by template text is loosely typed: this says what the
    // JOIN said (the key is always there).
    .$narrowType<Omit<Raw, keyof Selectable<SessionRequestsTable>>>();

// The queries every approval runs, built once (prepared.ts).
const BY_UUID = prepared((db, _kind, uuid: string) => selectRequests(db).where('r.uuid', '=', uuid));
// The requester's status read: the request only if it is the key's, in one lookup (the key by its unique hash).
const BY_UUID_FOR_KEY = prepared((db, _kind, uuid: string, keyHash: string) =>
  selectRequests(db)
    .where('r.uuid', '=', uuid)
    .where('r.credential_id', '=', (eb) => eb.selectFrom('credentials').select('id').where('key_hash', '=', keyHash)),
);
const COUNT_PENDING = prepared((db, _kind, credentialId: number, now: number) =>
  db
    .selectFrom('session_requests')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('credential_id', '=', credentialId)
    .where('status', '=', 'PENDING')
    .where('expiry_time', '>', now),
);
// The oldest of the key's live PENDING requests with the same address, description, User-Agent, installation and
// claim: a repeat merges into it. (No description and an empty one count as the same; so do no User-Agent and an
// empty one. A request bound to another claim or installation could not be read by the repeat's requester.)
const PENDING_FROM = prepared(
  (
    db,
    _kind,
    credentialId: number,
    ip: string,
    description: string,
    userAgent: string,
    installationId: number,
    claimHash: string,
    now: number,
  ) =>
    selectRequests(db)
      .where('r.credential_id', '=', credentialId)
      .where('r.status', '=', 'PENDING')
      .where('r.ip', '=', ip)
      .where(sql<boolean>`coalesce(r.description, '') = ${description}`)
      .where(sql<boolean>`coalesce(r.user_agent, '') = ${userAgent}`)
      .where(sql<boolean>`coalesce(r.installation_id, 0) = ${installationId}`)
      .where(sql<boolean>`coalesce(r.claim_hash, '') = ${claimHash}`)
      .where('r.expiry_time', '>', now)
      .orderBy('r.seq')
      .limit(1),
);
const COUNT_REPEAT = prepared((db, _kind, uuid: string) =>
  db
    .updateTable('session_requests')
    .set((eb) => ({ repeat_count: eb('repeat_count', '+', 1) }))
    .where('uuid', '=', uuid)
    .where('status', '=', 'PENDING'),
);
const LAST_ACCEPTED = prepared((db, _kind, credentialId: number) =>
  selectRequests(db)
    .where('r.credential_id', '=', credentialId)
    .where('r.status', '=', 'ACCEPTED')
    .orderBy('r.seq', 'desc')
    .limit(1),
);
// What an attempt needs, in one read under the key's hold: the key's PENDING requests, its newest ACCEPTED one, and
// its newest request of the attempt's claim made after createdAfter (by the claim's partial index; the key's id
// keeps another key's request out, and the newest is the one meant, since nothing stops a client from reusing a
// claim). Each part is a lookup of its own, and the rows come back as one list, oldest first, where a row may come
// twice (the claim's request may be PENDING too):
// - no OR of the conditions: that makes SQLite read every request the key ever had, which grows with its history;
//   nor `seq IN (… UNION ALL …)` with three parts: PostgreSQL's planner then hashed the whole table;
// - the statuses are literals, not parameters: PostgreSQL then plans the named statement once with its statistics
//   (PENDING is rare), where a parameter made the generic plan look dear and it planned anew on every call (~0.2 ms);
// - the newest is the first row of a backward index scan (ORDER BY … DESC LIMIT 1 in a scalar sub-select), not
//   max(): in its generic plan PostgreSQL aggregated every ACCEPTED request of the key.
// A statement of its own after the hold: on PostgreSQL a sub-select of the hold would read the snapshot from before
// its lock wait, and miss the request the attempt it waited for has just made.
const OPEN_FOR_ATTEMPT = prepared(
  (
    db,
    _kind,
    credentialId: number,
    acceptedCredentialId: number,
    claimHash: string,
    claimCredentialId: number,
    createdAfter: number,
  ) =>
    selectRequests(db)
      .where('r.credential_id', '=', credentialId)
      .where('r.status', '=', sql.lit('PENDING'))
      .unionAll(
        selectRequests(db).where('r.seq', '=', (eb) =>
          eb
            .selectFrom('session_requests as a')
            .select('a.seq')
            .where('a.credential_id', '=', acceptedCredentialId)
            .where('a.status', '=', sql.lit('ACCEPTED'))
            .orderBy('a.seq', 'desc')
            .limit(sql.lit(1)),
        ),
      )
      .unionAll(
        selectRequests(db).where('r.seq', '=', (eb) =>
          eb
            .selectFrom('session_requests as k')
            .select('k.seq')
            .where('k.claim_hash', '=', claimHash)
            .where('k.credential_id', '=', claimCredentialId)
            .where('k.created', '>', createdAfter)
            .orderBy('k.seq', 'desc')
            .limit(sql.lit(1)),
        ),
      )
      .orderBy('seq'),
);
// The key's name and mode and the installation's columns, by sub-select, for a RETURNING (both dialects take one
// there): the row as selectRequests reads it, without reading it again.
const shownColumnsOf = (eb: ExpressionBuilder<Schema, 'session_requests'>) => [
  eb
    .selectFrom('credentials as c')
    .select('c.name')
    .whereRef('c.id', '=', 'session_requests.credential_id')
    .as('credential_name'),
  eb
    .selectFrom('credentials as c')
    .select('c.mode')
    .whereRef('c.id', '=', 'session_requests.credential_id')
    .as('credential_mode'),
  // And what the row's installation shows, null for an unsigned request.
  ...INSTALLATION_COLUMNS.map(([column, as]) =>
    eb
      .selectFrom('requester_installations as i')
      .select(`i.${column}`)
      .whereRef('i.id', '=', 'session_requests.installation_id')
      .as(as),
  ),
];
// The new row comes back from the INSERT itself: one statement, where reading the row back after inserting it was a
// second.
const INSERT = prepared((db, _kind, values: Insertable<SessionRequestsTable>) =>
  db.insertInto('session_requests').values(values).returningAll().returning(shownColumnsOf),
);
const DECIDE = prepared((db, _kind, uuid: string, changes: Updateable<SessionRequestsTable>) =>
  db.updateTable('session_requests').set(changes).where('uuid', '=', uuid).where('status', '=', 'PENDING'),
);
// A plain approval as one conditional write: the user's request, still PENDING and not expired, whose typed code
// (if it has one) is the one given, becomes ACCEPTED, and the row comes back as it now is.
const ACCEPT_IF_PENDING = prepared(
  (
    db,
    _kind,
    uuid: string,
    userId: number,
    bindingCode: string | null,
    now: number,
    changes: Updateable<SessionRequestsTable>,
  ) =>
    db
      .updateTable('session_requests')
      .set(changes)
      .where('uuid', '=', uuid)
      .where('user_id', '=', userId)
      .where('status', '=', 'PENDING')
      .where('expiry_time', '>', now)
      .where((eb) => eb.or([eb('binding_code', 'is', null), eb('binding_code', '=', bindingCode)]))
      .returningAll()
      .returning(shownColumnsOf)
      // As selectRequests says: the key is always there.
      .$narrowType<Omit<Raw, keyof Selectable<SessionRequestsTable>>>(),
);
const CLAIM_TOKEN = prepared((db, _kind, uuid: string, now: number, sessionId: number) =>
  db
    .updateTable('session_requests')
    .set({ token_delivered: 1, delivered_at: now, session_id: sessionId })
    .where('uuid', '=', uuid)
    .where('status', '=', 'ACCEPTED')
    .where('token_delivered', '=', 0)
    .returningAll()
    .returning(shownColumnsOf)
    .$narrowType<Omit<Raw, keyof Selectable<SessionRequestsTable>>>(),
);
const MARK_HANDED_OUT_AGAIN = prepared((db, _kind, uuid: string, seen: number, now: number) =>
  db
    .updateTable('session_requests')
    .set({ delivered_at: now })
    .where('uuid', '=', uuid)
    .where('token_delivered', '=', 1)
    .where('delivered_at', '=', seen),
);
// A wrong TOTP code counts toward the lock like a BLOCK: both say someone who should not is using the key.
const COUNT_BLOCKS = prepared((db, _kind, credentialId: number, since: number) =>
  db
    .selectFrom('session_requests')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('credential_id', '=', credentialId)
    // Refusals that count toward the lock: a BLOCK, a wrong TOTP code, and a wrong number-match pick (a random
    // pick wins 1 in 3, so a free wrong pick would let an attacker's requests be tried until one is approved).
    .where((eb) => eb.or([eb('decision', '=', 'BLOCK'), eb('wrong_code', '=', 1), eb('binding_mismatch', '=', 1)]))
    .where('decided_at', '>=', since),
);

export function requests(db: Db, kind: StoreKind): SessionRequestRepository {
  const select = () => selectRequests(db);
  const rows = async (query: ReturnType<typeof select>) => (await query.execute()).map(row);
  const byUuid = BY_UUID(db, kind);
  const read = async (uuid: string) => {
    const raw = (await byUuid(uuid)).rows[0];
    return raw ? row(raw) : null;
  };
  const byUuidForKey = BY_UUID_FOR_KEY(db, kind);
  const countPending = COUNT_PENDING(db, kind);
  const insert = INSERT(db, kind);
  const decide = DECIDE(db, kind);
  const acceptIfPending = ACCEPT_IF_PENDING(db, kind);
  const claimToken = CLAIM_TOKEN(db, kind);
  const countBlocks = COUNT_BLOCKS(db, kind);
  const pendingFrom = PENDING_FROM(db, kind);
  const countRepeat = COUNT_REPEAT(db, kind);
  const markHandedOutAgain = MARK_HANDED_OUT_AGAIN(db, kind);
  const lastAccepted = LAST_ACCEPTED(db, kind);
  const openForAttempt = OPEN_FOR_ATTEMPT(db, kind);
  const firstRow = (result: { rows: Raw[] }) => (result.rows[0] ? row(result.rows[0]) : null);
  const count = (result: { rows: { n: number | string }[] }) => Number(result.rows[0]?.n ?? 0);

  return {
    create: async (r: NewSessionRequest) => {
      // Every column named, always: one shape, so one prepared INSERT.
      const inserted = await insert({
        uuid: r.uuid,
        credential_id: r.credentialId,
        user_id: r.userId,
        status: r.status,
        description: r.description,
        ip: r.ip,
        ip_known: flag(r.ipKnown),
        user_agent: r.userAgent,
        geolocation: r.geolocation === null ? null : JSON.stringify(r.geolocation),
        binding_code: r.bindingCode,
        binding_choices: r.bindingChoices === null ? null : JSON.stringify(r.bindingChoices),
        created: r.created,
        expiry_time: r.expiryTime,
        auto_accepted: flag(r.autoAccepted),
        token_delivered: flag(r.tokenDelivered),
        session_id: r.sessionId,
        approved_by_code: flag(r.approvedByCode ?? false),
        wrong_code: flag(r.wrongCode ?? false),
        decided_at: r.decidedAt ?? null,
        decided_by_device_id: r.decidedByDeviceId ?? null,
        claim_hash: r.claimHash ?? null,
        delivered_at: r.deliveredAt ?? null,
        installation_id: r.installationId ?? null,
        grant_id: r.grantId ?? null,
        permitted_ip: r.permittedIp ?? null,
        ...observedColumns(r.observed),
        changes: r.changes ? JSON.stringify(r.changes) : null,
      });
      return row(inserted.rows[0] as Raw);
    },
    byUuid: read,
    byUuidForKey: async (uuid, keyHash) => firstRow(await byUuidForKey(uuid, keyHash)),
    countPending: async (credentialId, now) => count(await countPending(credentialId, now)),
    pendingFrom: async (credentialId, same, now) =>
      firstRow(
        await pendingFrom(
          credentialId,
          same.ip,
          same.description ?? '',
          same.userAgent ?? '',
          same.installationId ?? 0,
          same.claimHash ?? '',
          now,
        ),
      ),
    countRepeat: async (uuid) => changed(await countRepeat(uuid)) === 1,
    lastAccepted: async (credentialId) => firstRow(await lastAccepted(credentialId)),
    pendingForUser: (userId, now) =>
      rows(
        select()
          .where('r.user_id', '=', userId)
          .where('r.status', '=', 'PENDING')
          .where('r.expiry_time', '>', now)
          .orderBy('r.seq'),
      ),
    openForAttempt: async (credentialId, claim) => {
      // No claim: a hash no request has (claims are hashed to 64 hex digits), so the statement keeps one shape.
      const claimHash = claim?.claimHash ?? '';
      const createdAfter = claim?.createdAfter ?? 0;
      const { rows: raw } = await openForAttempt(credentialId, credentialId, claimHash, credentialId, createdAfter);
      // Oldest first, so a row that came twice comes twice in a row.
      const found = raw.filter((one, index) => index === 0 || one.seq !== raw[index - 1]!.seq).map(row);
      const claimed =
        claim === null
          ? null
          : (found.findLast((request) => request.claimHash === claimHash && request.created > createdAfter) ?? null);
      return {
        pending: found.filter((request) => request.status === 'PENDING'),
        // Oldest first: the last ACCEPTED row is the newest (an older one may be here as the claim's).
        lastAccepted: found.findLast((request) => request.status === 'ACCEPTED') ?? null,
        claimed,
      };
    },
    pendingForCredential: (credentialId) =>
      rows(select().where('r.credential_id', '=', credentialId).where('r.status', '=', 'PENDING').orderBy('r.seq')),
    decide: async (uuid, d: DecisionRecord) =>
      changed(
        await decide(uuid, {
          status: d.status,
          decided_at: d.decidedAt,
          decided_by_device_id: d.deviceId,
          decision: d.decision,
          trust_ip: flag(d.trustIp),
          deactivate_credential: flag(d.deactivateCredential),
          binding_mismatch: flag(d.bindingMismatch),
          decision_signature: d.signature,
        }),
      ) === 1,
    acceptIfPending: async (uuid, userId, bindingCode, a: PlainApproval) =>
      firstRow(
        await acceptIfPending(uuid, userId, bindingCode, a.decidedAt, {
          status: 'ACCEPTED',
          decided_at: a.decidedAt,
          decided_by_device_id: a.deviceId,
          decision: 'APPROVE',
          trust_ip: 0,
          deactivate_credential: 0,
          binding_mismatch: 0,
          decision_signature: a.signature,
        }),
      ),
    rejectPending: async (uuid, now) =>
      changed(
        await db
          .updateTable('session_requests')
          .set({ status: 'REJECTED', decided_at: now })
          .where('uuid', '=', uuid)
          .where('status', '=', 'PENDING')
          .executeTakeFirst(),
      ) === 1,
    // One conditional UPDATE: when several sweepers (server instances) run at once, each request expires once and
    // only the one that changed it reports it.
    expireDue: async (now) => {
      const due = await db
        .updateTable('session_requests')
        .set({ status: 'EXPIRED' })
        .where('status', '=', 'PENDING')
        .where('expiry_time', '<=', now)
        .returning('uuid')
        .execute();
      if (due.length === 0) return [];
      return rows(
        select()
          .where(
            'r.uuid',
            'in',
            due.map((d) => d.uuid),
          )
          .orderBy('r.seq'),
      );
    },
    claimTokenDelivery: async (uuid, now, sessionId) => firstRow(await claimToken(uuid, now, sessionId)),
    markHandedOutAgain: async (uuid, seen, now) => changed(await markHandedOutAgain(uuid, seen, now)) === 1,
    setGrantCreated: async (uuid, grantId) => {
      await db.updateTable('session_requests').set({ grant_created: grantId }).where('uuid', '=', uuid).execute();
    },
    countBlocks: async (credentialId, since) => count(await countBlocks(credentialId, since)),
    history: (filter) =>
      rows(
        select()
          .where('r.user_id', '=', filter.userId)
          .$if(filter.status !== undefined, (q) => q.where('r.status', '=', filter.status!))
          .$if(filter.credentialId !== undefined, (q) => q.where('r.credential_id', '=', filter.credentialId!))
          .$if(filter.beforeSeq !== undefined, (q) => q.where('r.seq', '<', filter.beforeSeq!))
          .orderBy('r.seq', 'desc')
          .limit(filter.limit),
      ),
    changedSince: (since) =>
      rows(
        select()
          .where((eb) =>
            eb.or([
              eb('r.created', '>=', since),
              eb('r.decided_at', '>=', since),
              eb.and([eb('r.status', '=', 'EXPIRED'), eb('r.expiry_time', '>=', since)]),
            ]),
          )
          .orderBy('r.seq'),
      ),
    // By session_requests_created, a bounded batch (seqs chosen by a sub-select). A PENDING request stays whatever
    // its age: the sweeper expires it first, and only then is it history.
    pruneHistoryBefore: async (time, limit) =>
      deleted(
        await db
          .deleteFrom('session_requests')
          .where(
            'seq',
            'in',
            db
              .selectFrom('session_requests')
              .select('seq')
              .where('created', '<', time)
              .where('status', '<>', 'PENDING')
              .limit(limit),
          )
          .executeTakeFirst(),
      ),
  };
}
