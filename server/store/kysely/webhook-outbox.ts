// The webhook outbox. A worker claims due rows under a lease (PostgreSQL: FOR UPDATE SKIP LOCKED inside one UPDATE,
// so instances claiming at the same moment take different rows), delivers them off the request path and records the
// outcome only while its lease holds.
import { sql } from 'kysely';
import type { StoreKind, WebhookOutboxRepository, WebhookOutboxRow } from '../types.js';
import { changed, type Db } from './db.js';

const COLUMNS = [
  'seq',
  'event_id as eventId',
  'type',
  'payload',
  'created',
  'attempts',
  'next_attempt_at as nextAttemptAt',
  'lease_owner as leaseOwner',
  'lease_until as leaseUntil',
  'delivered_at as deliveredAt',
  'given_up_at as givenUpAt',
  'done_urls as doneUrls',
  'last_errors as lastErrors',
] as const;

type Raw = Omit<WebhookOutboxRow, 'doneUrls' | 'lastErrors'> & { doneUrls: string; lastErrors: string };
const row = (raw: Raw): WebhookOutboxRow => ({
  ...raw,
  doneUrls: JSON.parse(raw.doneUrls) as string[],
  lastErrors: JSON.parse(raw.lastErrors) as WebhookOutboxRow['lastErrors'],
});

export function webhookOutbox(db: Db, kind: StoreKind): WebhookOutboxRepository {
  const select = () => db.selectFrom('webhook_outbox').select(COLUMNS);
  return {
    recording: true,
    enqueue: async (event) => {
      await db
        .insertInto('webhook_outbox')
        .values({
          event_id: event.eventId,
          type: event.type,
          payload: event.payload,
          created: event.created,
          next_attempt_at: event.created,
          lease_owner: null,
          lease_until: null,
          delivered_at: null,
          given_up_at: null,
          done_urls: '[]',
          last_errors: '{}',
        })
        .execute();
    },
    claimDue: async ({ now, limit, owner, leaseUntil }) => {
      const due = db
        .selectFrom('webhook_outbox')
        .select('seq')
        .where('delivered_at', 'is', null)
        .where('given_up_at', 'is', null)
        .where('next_attempt_at', '<=', now)
        .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', now)]))
        .orderBy('seq')
        .limit(limit)
        // SQLite has no row locks; its BEGIN IMMEDIATE (or this single statement) already keeps others out.
        .$if(kind === 'postgres', (query) => query.forUpdate().skipLocked());
      const raws = await db
        .updateTable('webhook_outbox')
        .set((eb) => ({ lease_owner: owner, lease_until: leaseUntil, attempts: eb('attempts', '+', 1) }))
        .where('seq', 'in', due)
        .returning(COLUMNS)
        .execute();
      return raws.map(row).sort((a, b) => a.seq - b.seq);
    },
    finish: async (seq, owner, result) =>
      changed(
        await db
          .updateTable('webhook_outbox')
          .set({
            lease_owner: null,
            lease_until: null,
            done_urls: JSON.stringify(result.doneUrls),
            last_errors: JSON.stringify(result.lastErrors),
            delivered_at: result.deliveredAt,
            next_attempt_at: result.nextAttemptAt,
            given_up_at: result.givenUpAt,
          })
          .where('seq', '=', seq)
          .where('lease_owner', '=', owner)
          .executeTakeFirst(),
      ) === 1,
    undelivered: async () => (await select().where('delivered_at', 'is', null).orderBy('seq').execute()).map(row),
    countDelivered: async () => {
      const { n } = await db
        .selectFrom('webhook_outbox')
        .select(sql<number | string>`count(*)`.as('n'))
        .where('delivered_at', 'is not', null)
        .executeTakeFirstOrThrow();
      return Number(n);
    },
    byEventId: async (eventId) => {
      const raw = await select().where('event_id', '=', eventId).executeTakeFirst();
      return raw ? row(raw) : null;
    },
    redeliver: async (eventId, now) =>
      changed(
        await db
          .updateTable('webhook_outbox')
          .set({
            delivered_at: null,
            given_up_at: null,
            next_attempt_at: now,
            attempts: 0,
            done_urls: '[]',
            lease_owner: null,
            lease_until: null,
          })
          .where('event_id', '=', eventId)
          .executeTakeFirst(),
      ) === 1,
    redeliverFailed: async (now) =>
      (
        await db
          .updateTable('webhook_outbox')
          .set({ given_up_at: null, next_attempt_at: now, attempts: 0 })
          .where('delivered_at', 'is', null)
          .where('last_errors', '!=', '{}')
          .returning('event_id')
          .execute()
      ).map((r) => r.event_id),
    pruneFinishedBefore: async (time) =>
      Number(
        (
          await db
            .deleteFrom('webhook_outbox')
            .where((eb) =>
              eb.or([
                eb.and([eb('delivered_at', 'is not', null), eb('delivered_at', '<', time)]),
                eb.and([eb('given_up_at', 'is not', null), eb('given_up_at', '<', time)]),
              ]),
            )
            .executeTakeFirst()
        ).numDeletedRows,
      ),
    pruneCreatedBefore: async (time) =>
      Number((await db.deleteFrom('webhook_outbox').where('created', '<', time).executeTakeFirst()).numDeletedRows),
  };
}
