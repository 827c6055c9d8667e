// What every repository is written against: a Kysely instance over either dialect (inside a transaction, one bound
// to the transaction's connection), and the 0/1 flag conversions both dialects share.
import type { Kysely } from 'kysely';
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
