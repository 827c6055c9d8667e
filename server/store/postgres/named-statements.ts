// node-postgres sends a query with parameters as an unnamed statement, which PostgreSQL parses and plans anew on
// every call. Measured with pg_stat_statements (track_planning on) over the push-approval climb, planning was about
// 60% of PostgreSQL's statement time. A named statement is parsed once per connection, and after five runs
// PostgreSQL keeps one generic plan for it when that costs no more than the custom ones — which holds for the hot
// queries, lookups and writes by a key. So the pool handed to Kysely names every query text that has parameters
// (the values are bound apart, so such a text is a template, not data); a query without parameters still goes as
// one simple-protocol query, which is what lets a COMMIT travel with its NOTIFYs.
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import type pg from 'pg';

/**
 * Distinct texts that get a name. Each one is kept prepared on every connection that ran it, so the count is
 * bounded; the hot queries have a fixed shape and are named long before it is reached, and a text first seen after
 * it runs unnamed, as before.
 */
export const MAX_NAMED_STATEMENTS = 500;

/** One name per text for the whole process, so that a connection never sees two texts under one name. */
export class StatementNames {
  readonly #names = new Map<string, string>();

  constructor(private readonly limit = MAX_NAMED_STATEMENTS) {}

  nameFor(text: string): string | null {
    const known = this.#names.get(text);
    if (known !== undefined) return known;
    if (this.#names.size >= this.limit) return null;
    const name = `countersign_${this.#names.size + 1}`;
    this.#names.set(text, name);
    return name;
  }

  get size(): number {
    return this.#names.size;
  }
}

class NamingClient implements PostgresPoolClient {
  constructor(
    private readonly client: pg.PoolClient,
    private readonly names: StatementNames,
  ) {}

  /** Kysely reads the backend's process id from here (to cancel a query) instead of asking the server for it. */
  get processID(): number | undefined {
    return (this.client as unknown as { processID?: number }).processID;
  }

  query<R>(sql: string, parameters: ReadonlyArray<unknown>): Promise<PostgresQueryResult<R>>;
  query<R>(cursor: PostgresCursor<R>): PostgresCursor<R>;
  query<R>(
    sqlOrCursor: string | PostgresCursor<R>,
    parameters?: ReadonlyArray<unknown>,
  ): Promise<PostgresQueryResult<R>> | PostgresCursor<R> {
    if (typeof sqlOrCursor !== 'string') return this.client.query(sqlOrCursor as never) as PostgresCursor<R>;
    const values = [...(parameters ?? [])];
    const name = values.length > 0 ? this.names.nameFor(sqlOrCursor) : null;
    const result =
      name === null ? this.client.query(sqlOrCursor, values) : this.client.query({ name, text: sqlOrCursor, values });
    return result as unknown as Promise<PostgresQueryResult<R>>;
  }

  release(destroy?: boolean): void {
    this.client.release(destroy);
  }
}

/** The pool as Kysely sees it: the same connections, each query with parameters sent as a named statement. */
export function namingPool(pool: pg.Pool, names = new StatementNames()): PostgresPool {
  // Kysely keeps its connection object per client it is handed, so a pooled client keeps one wrapper.
  const wrappers = new WeakMap<pg.PoolClient, NamingClient>();
  return {
    connect: async () => {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) {
        wrapper = new NamingClient(client, names);
        wrappers.set(client, wrapper);
      }
      return wrapper;
    },
    end: () => pool.end(),
    options: pool.options,
  };
}
