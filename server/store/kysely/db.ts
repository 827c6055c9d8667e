// What every repository is written against: a Kysely instance over either dialect (inside a transaction, one bound
// to the transaction's connection), and the 0/1 flag conversions both dialects share.
import { type Kysely, sql } from 'kysely';
import type { Flag, Schema } from '../schema.js';

export type Db = Kysely<Schema>;

export const flag = (value: boolean): Flag => (value ? 1 : 0);
export const isSet = (value: Flag): boolean => value === 1;

/**
 * Rows a statement changed, as a number (Kysely reports a bigint): from a builder's UPDATE result, or from a
 * prepared query's raw result (prepared.ts).
 */
export const changed = (result: { numUpdatedRows?: bigint; numAffectedRows?: bigint }): number =>
  Number(result.numUpdatedRows ?? result.numAffectedRows ?? 0n);

/** Rows a DELETE removed, as a number. */
export const deleted = (result: { numDeletedRows: bigint } | undefined): number => Number(result?.numDeletedRows ?? 0n);

/** The tables kept only while their rows are young, by their two-column primary key and the column that ages. */
const AGING: {
  [T in 'seen_signatures' | 'requester_signatures' | 'used_totp_steps']: {
    key: readonly [keyof Schema[T] & string, keyof Schema[T] & string];
    age: keyof Schema[T] & string;
  };
} = {
  seen_signatures: { key: ['device_id', 'signature'], age: 'seen_at' },
  requester_signatures: { key: ['installation_id', 'signature'], age: 'seen_at' },
  used_totp_steps: { key: ['device_id', 'step'], age: 'used_at' },
};

/**
 * One bounded batch of a prune (retention.ts runs batch after batch): deletes up to limit rows older than the time,
 * chosen by primary key in a sub-select (a row value, which both dialects take); how many it deleted.
 */
export async function pruneAging(db: Db, table: keyof typeof AGING, time: number, limit: number): Promise<number> {
  const { key, age } = AGING[table];
  const columns = sql.join(key.map((column) => sql.ref(column)));
  const result = await sql`DELETE FROM ${sql.table(table)} WHERE (${columns}) IN
    (SELECT ${columns} FROM ${sql.table(table)} WHERE ${sql.ref(age)} < ${time} LIMIT ${limit})`.execute(db);
  return Number(result.numAffectedRows ?? 0n);
}
