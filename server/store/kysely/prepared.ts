// Kysely builds a query's tree and compiles it to SQL on every call — about 20 µs, since the tree is immutable and
// copied at each step. That was a quarter of the server's CPU per approval on SQLite. The hot queries have a fixed
// shape, so each is built and compiled once per dialect (and per set of columns, for the row or the changes an
// argument object carries) with placeholders in place of the arguments; a call only puts its values in. SQLite's
// statement cache (sqlite/open.ts) then finds the same SQL text every time.
import type { Compilable, CompiledQuery, QueryResult } from 'kysely';
import type { StoreKind } from '../types.js';
import type { Db } from './db.js';

/** Stands for an argument (or one property of an argument object) while the query is built. */
class Placeholder {
  constructor(
    readonly index: number,
    readonly key: string | null,
  ) {}
}

type Row = Record<string, unknown>;
const isRow = (value: unknown): value is Row =>
  typeof value === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype;

/** Argument objects without their undefined properties: those are left out of the query, as Kysely does. */
function defined(args: readonly unknown[]): unknown[] {
  return args.map((arg) =>
    isRow(arg) ? Object.fromEntries(Object.entries(arg).filter(([, value]) => value !== undefined)) : arg,
  );
}

function shapeOf(kind: StoreKind, args: readonly unknown[]): string {
  let shape = kind;
  for (const arg of args) shape += isRow(arg) ? `|${Object.keys(arg).join(',')}` : '|';
  return shape;
}

function placeholdersFor(args: readonly unknown[]): unknown[] {
  return args.map((arg, index) =>
    isRow(arg)
      ? Object.fromEntries(Object.keys(arg).map((key) => [key, new Placeholder(index, key)]))
      : new Placeholder(index, null),
  );
}

export type Run<A extends unknown[], O> = (...args: A) => Promise<QueryResult<O>>;

/**
 * A query of fixed shape. `build` must only place its arguments in the query, each as one value (a plain object
 * argument: as the row of an INSERT or the changes of an UPDATE) — no conversion or arithmetic on them, since while
 * it runs they are placeholders, and never in a list of varying length.
 * Bind it to a connection with `(db, kind)`; the compiled form is shared by every connection of the dialect.
 */
export function prepared<A extends unknown[], O>(
  build: (db: Db, kind: StoreKind, ...args: A) => Compilable<O>,
): (db: Db, kind: StoreKind) => Run<A, O> {
  const templates = new Map<string, CompiledQuery<O>>();
  return (db, kind) =>
    (...given) => {
      const args = defined(given);
      const shape = shapeOf(kind, args);
      let template = templates.get(shape);
      if (!template) {
        template = build(db, kind, ...(placeholdersFor(args) as A)).compile();
        templates.set(shape, template);
      }
      const parameters = template.parameters.map((value) => {
        if (!(value instanceof Placeholder)) return value;
        const arg = args[value.index];
        return value.key === null ? arg : (arg as Row)[value.key];
      });
      return db.executeQuery<O>({ ...template, parameters });
    };
}
