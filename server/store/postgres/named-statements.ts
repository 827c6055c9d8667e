// node-postgres sends a query with parameters as an unnamed statement, which PostgreSQL parses and plans anew on
// every call. Measured with pg_stat_statements (track_planning on) over the push-approval climb, planning was about
// 60% of PostgreSQL's statement time. A named statement is parsed once per connection, and after five runs
// PostgreSQL keeps one generic plan for it when that costs no more than the custom ones — which holds for the hot
// queries, lookups and writes by a key. So the pool handed to Kysely names every query text that has parameters
// (the values are bound apart, so such a text is a template, not data); a query without parameters still goes as
// one simple-protocol query, which is what lets a COMMIT travel with its NOTIFYs.
//
// A transaction's BEGIN is not a round trip of its own either: it is held back and sent in the same write as the
// transaction's first statement (see BeginThenQuery).
import type { PostgresCursor, PostgresPool, PostgresPoolClient, PostgresQueryResult } from 'kysely';
import pg from 'pg';

/** The text that opens a transaction (the transaction runner's begin), held back until the statement after it. */
export const BEGIN = 'BEGIN';

/** What BEGIN answers; given at once for a BEGIN that is held back. */
const BEGUN = { command: 'BEGIN', rowCount: 0, rows: [] };

/** The parts of pg's Connection and Query that BeginThenQuery works with (not in pg's type declarations). */
interface WireConnection {
  parse(query: { text: string; name?: string }): void;
  bind(config: Record<string, never>): void;
  execute(config: Record<string, never>): void;
  parsedStatements: Record<string, string | undefined>;
}
interface QueryInternals {
  name?: string;
  prepare(connection: WireConnection): void;
  handleCommandComplete(message: unknown, connection: WireConnection): void;
  handleError(error: unknown, connection: WireConnection): void;
}
const QueryBase = pg.Query as unknown as new (
  config: { name: string; text: string; values: unknown[] },
  callback: (error: Error | undefined, result: PostgresQueryResult<unknown>) => void,
) => QueryInternals;

/**
 * A named statement with BEGIN before it, in one write and one Sync: PostgreSQL runs both and answers once, so the
 * transaction opens without a round trip of its own. BEGIN is an unnamed statement (Parse, Bind, Execute without a
 * Describe): its only answers are ParseComplete, BindComplete and its CommandComplete, which is not this query's
 * result. Should either fail, PostgreSQL skips the rest up to the Sync and the query fails as a whole; the
 * transaction runner then rolls back, as after any failed statement. This leans on pg's JavaScript client in its
 * default mode (one query on the wire at a time): not its native bindings, not its pipeline mode.
 */
class BeginThenQuery extends QueryBase {
  #begun = false;
  #parsedBefore = false;

  override prepare(connection: WireConnection): void {
    // pg takes any ParseComplete while this query runs for the statement's own, BEGIN's included: known now whether
    // the statement was parsed on this connection before, so that BEGIN's cannot leave it counted as parsed.
    this.#parsedBefore = connection.parsedStatements[this.name ?? ''] !== undefined;
    connection.parse({ text: BEGIN });
    connection.bind({});
    connection.execute({});
    super.prepare(connection);
  }

  override handleCommandComplete(message: unknown, connection: WireConnection): void {
    if (!this.#begun) {
      this.#begun = true;
      // The statement's own ParseComplete, which comes next, counts it as parsed again.
      this.#forgetBeginsParse(connection);
      return;
    }
    super.handleCommandComplete(message, connection);
  }

  override handleError(error: unknown, connection: WireConnection): void {
    // BEGIN itself failed (a cancel that lands just then, say): the statement's Parse was skipped.
    if (!this.#begun) this.#forgetBeginsParse(connection);
    super.handleError(error, connection);
  }

  #forgetBeginsParse(connection: WireConnection): void {
    if (!this.#parsedBefore) delete connection.parsedStatements[this.name ?? ''];
  }
}

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
  /** A BEGIN was asked for and not yet sent: it goes with the next statement. */
  #beginHeld = false;

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
    if (typeof sqlOrCursor !== 'string') {
      // A cursor is handed over as is: a held BEGIN goes before it (pg sends a connection's queries in order).
      // Should BEGIN fail, so does the cursor on the same connection.
      if (this.#beginHeld) this.sendHeldBegin().catch(() => undefined);
      return this.client.query(sqlOrCursor as never) as PostgresCursor<R>;
    }
    const values = [...(parameters ?? [])];
    if (sqlOrCursor === BEGIN && values.length === 0 && !this.#beginHeld) {
      this.#beginHeld = true;
      return Promise.resolve(BEGUN as PostgresQueryResult<R>);
    }
    const name = values.length > 0 ? this.names.nameFor(sqlOrCursor) : null;
    if (this.#beginHeld) {
      this.#beginHeld = false;
      if (name !== null) return this.beginThen<R>(name, sqlOrCursor, values);
      // Nothing ran since BEGIN: there is nothing to end either.
      if (sqlOrCursor === 'COMMIT' || sqlOrCursor === 'ROLLBACK') {
        return Promise.resolve({ command: sqlOrCursor, rowCount: 0, rows: [] } as PostgresQueryResult<R>);
      }
      // Not a named statement (a text without parameters): BEGIN goes first, on its own, as it always did. Both are
      // queued now, so a statement asked for after this one cannot come between them.
      const begun = this.sendHeldBegin();
      const result = this.client.query(sqlOrCursor, values);
      return Promise.all([begun, result]).then(([, answered]) => answered) as unknown as Promise<
        PostgresQueryResult<R>
      >;
    }
    const result =
      name === null ? this.client.query(sqlOrCursor, values) : this.client.query({ name, text: sqlOrCursor, values });
    return result as unknown as Promise<PostgresQueryResult<R>>;
  }

  /** Sends the held BEGIN on its own; its failure is the caller's to report. */
  private sendHeldBegin(): Promise<unknown> {
    this.#beginHeld = false;
    return this.client.query(BEGIN);
  }

  private beginThen<R>(name: string, text: string, values: unknown[]): Promise<PostgresQueryResult<R>> {
    return new Promise((resolve, reject) => {
      const query = new BeginThenQuery({ name, text, values }, (error, result) =>
        error ? reject(error) : resolve(result as PostgresQueryResult<R>),
      );
      this.client.query(query as never);
    });
  }

  release(destroy?: boolean): void {
    this.#beginHeld = false;
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
