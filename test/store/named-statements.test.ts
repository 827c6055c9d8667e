// The PostgreSQL pool that sends each query with parameters as a named statement, prepared once per connection:
// what it names, what it leaves alone (queries without parameters, texts past the limit), and that a failure to
// prepare or a rolled-back transaction leaves the connection usable; and that a transaction's BEGIN, held back and
// sent with the statement after it, still opens the transaction that statement runs in. Against the test cluster, on one connection so
// that pg_prepared_statements (which is per connection) shows what that connection holds.
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { afterEach, describe, expect, it } from 'vitest';
import { BEGIN, namingPool, StatementNames } from '../../server/store/postgres/named-statements.js';
import { createTestDatabase } from '../support/postgres.js';
import { watchPostgresStatements } from './support/postgres-plan.js';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function oneConnection(
  names: StatementNames,
  database?: { url: string },
): Promise<Kysely<Record<string, never>>> {
  let url = database?.url;
  if (url === undefined) {
    const created = await createTestDatabase();
    cleanups.push(created.drop);
    url = created.url;
  }
  const pool = new pg.Pool({ connectionString: url, max: 1 });
  // The pool's end() resolves before its connection has closed; should the database be dropped then, the backend's
  // "terminating connection" comes to that idle connection, and a pool without a listener would throw it (as the
  // server's own pool has one, in postgres/open.ts).
  pool.on('error', () => undefined);
  const db = new Kysely<Record<string, never>>({
    dialect: new PostgresDialect({ pool: namingPool(pool, names) }),
  });
  cleanups.push(() => db.destroy());
  return db;
}

/** What the connection holds prepared; the query itself has no parameters, so it is not among them. */
async function prepared(db: Kysely<Record<string, never>>): Promise<{ name: string; statement: string }[]> {
  const { rows } = await sql<{ name: string; statement: string }>`
    SELECT name, statement FROM pg_prepared_statements ORDER BY prepare_time, name`.execute(db);
  return rows;
}

describe('named statements on PostgreSQL', () => {
  it('prepares a query with parameters once and runs it by name after that', async () => {
    const names = new StatementNames();
    const db = await oneConnection(names);
    const lookup = (n: number) => sql<{ n: number }>`SELECT ${n}::int + 1 AS n`.execute(db);
    expect((await lookup(1)).rows).toEqual([{ n: 2 }]);
    expect((await lookup(41)).rows).toEqual([{ n: 42 }]);
    expect(await prepared(db)).toEqual([{ name: 'countersign_1', statement: 'SELECT $1::int + 1 AS n' }]);
    expect(names.size).toBe(1);
  });

  it('sends a query without parameters as one simple query, several statements in it', async () => {
    const db = await oneConnection(new StatementNames());
    await sql.raw('CREATE TABLE t (v text); INSERT INTO t VALUES ($$a$$); INSERT INTO t VALUES ($$b$$)').execute(db);
    const { rows } = await sql<{ v: string }>`SELECT v FROM t ORDER BY v`.execute(db);
    expect(rows).toEqual([{ v: 'a' }, { v: 'b' }]);
    expect(await prepared(db)).toEqual([]);
  });

  it('runs a text seen after the limit unnamed, with the same answer', async () => {
    const names = new StatementNames(1);
    const db = await oneConnection(names);
    expect((await sql<{ n: number }>`SELECT ${1}::int AS n`.execute(db)).rows).toEqual([{ n: 1 }]);
    expect((await sql<{ n: number }>`SELECT ${2}::int * 2 AS n`.execute(db)).rows).toEqual([{ n: 4 }]);
    expect((await prepared(db)).map((row) => row.statement)).toEqual(['SELECT $1::int AS n']);
    expect(names.nameFor('SELECT $1::int * 2 AS n')).toBeNull();
  });

  it('reports a statement PostgreSQL refuses to prepare, every time, and the connection goes on', async () => {
    const db = await oneConnection(new StatementNames());
    const broken = () => sql`SELECT ${1}::int FROM no_such_table`.execute(db);
    await expect(broken()).rejects.toThrow('relation "no_such_table" does not exist');
    await expect(broken()).rejects.toThrow('relation "no_such_table" does not exist');
    expect((await sql<{ n: number }>`SELECT ${7}::int AS n`.execute(db)).rows).toEqual([{ n: 7 }]);
  });

  it('keeps a statement prepared in a transaction that rolled back', async () => {
    const db = await oneConnection(new StatementNames());
    await expect(
      db.transaction().execute(async (tx) => {
        await sql`SELECT ${1}::int AS n`.execute(tx);
        throw new Error('roll back');
      }),
    ).rejects.toThrow('roll back');
    expect((await sql<{ n: number }>`SELECT ${3}::int AS n`.execute(db)).rows).toEqual([{ n: 3 }]);
    expect((await prepared(db)).map((row) => row.statement)).toEqual(['SELECT $1::int AS n']);
  });

  describe('a transaction opened with BEGIN', () => {
    /** Runs work between BEGIN and the end given, on one connection, as the store's transaction runner does. */
    const inTransaction = (
      db: Kysely<Record<string, never>>,
      end: 'COMMIT' | 'ROLLBACK',
      work: (c: Kysely<Record<string, never>>) => Promise<void>,
    ) =>
      db.connection().execute(async (connection) => {
        await sql.raw(BEGIN).execute(connection);
        try {
          await work(connection);
        } finally {
          await sql.raw(end).execute(connection);
        }
      });

    /** Two connections to one new database with a table t (v int), and the statements sent from then on. */
    const tableSeenFromTwoConnections = async () => {
      const database = await createTestDatabase();
      cleanups.push(database.drop);
      const db = await oneConnection(new StatementNames(), database);
      const other = await oneConnection(new StatementNames(), database);
      await sql.raw('CREATE TABLE t (v int)').execute(db);
      return { db, other, sent: watchPostgresStatements(cleanups) };
    };

    it('sends BEGIN with the first statement, and that statement runs inside the transaction', async () => {
      const { db, other, sent } = await tableSeenFromTwoConnections();
      const seenElsewhere = async () =>
        (await sql<{ n: number }>`SELECT count(*)::int AS n FROM t`.execute(other)).rows[0]!.n;

      await inTransaction(db, 'ROLLBACK', async (tx) => {
        await sql`INSERT INTO t VALUES (${1})`.execute(tx);
        await sql`INSERT INTO t VALUES (${2})`.execute(tx);
        expect(await seenElsewhere()).toBe(0);
      });
      // Rolled back, the first insert too: it ran inside the transaction BEGIN opened, not on its own.
      expect(await seenElsewhere()).toBe(0);
      expect(sent.filter((text) => text === BEGIN)).toEqual([]);

      await inTransaction(db, 'COMMIT', async (tx) => {
        await sql`INSERT INTO t VALUES (${3})`.execute(tx);
        expect(await seenElsewhere()).toBe(0);
      });
      expect(await seenElsewhere()).toBe(1);
    });

    it('reports a first statement PostgreSQL refuses to prepare, every time, and the connection goes on', async () => {
      const db = await oneConnection(new StatementNames());
      const broken = () =>
        inTransaction(db, 'ROLLBACK', async (tx) => {
          await sql`SELECT ${1}::int FROM no_such_table`.execute(tx);
        });
      await expect(broken()).rejects.toThrow('relation "no_such_table" does not exist');
      await expect(broken()).rejects.toThrow('relation "no_such_table" does not exist');
      // The connection is out of the failed transaction, and a statement prepared after BEGIN runs by name later.
      await inTransaction(db, 'COMMIT', async (tx) => {
        expect((await sql<{ n: number }>`SELECT ${7}::int AS n`.execute(tx)).rows).toEqual([{ n: 7 }]);
      });
      expect((await sql<{ n: number }>`SELECT ${8}::int AS n`.execute(db)).rows).toEqual([{ n: 8 }]);
      expect((await prepared(db)).map((row) => row.statement)).toEqual(['SELECT $1::int AS n']);
    });

    it('keeps a first statement prepared before, or failing as it runs, usable by name on the connection', async () => {
      const db = await oneConnection(new StatementNames());
      const half = (n: number) => sql<{ n: number }>`SELECT 10 / ${n}::int AS n`;
      expect((await half(2).execute(db)).rows).toEqual([{ n: 5 }]);
      // Prepared before: BEGIN's answers must not make the pool forget that, nor parse it a second time.
      await inTransaction(db, 'COMMIT', async (tx) => {
        expect((await half(5).execute(tx)).rows).toEqual([{ n: 2 }]);
      });
      // Prepared by a first statement that then fails when it runs (division by zero): still prepared after.
      const zero = sql<{ n: number }>`SELECT 1 / (${0}::int * 1) AS n`;
      await expect(
        inTransaction(db, 'ROLLBACK', async (tx) => {
          await zero.execute(tx);
        }),
      ).rejects.toThrow('division by zero');
      expect((await sql<{ n: number }>`SELECT 1 / (${1}::int * 1) AS n`.execute(db)).rows).toEqual([{ n: 1 }]);
      expect((await half(10).execute(db)).rows).toEqual([{ n: 1 }]);
      expect((await prepared(db)).map((row) => row.statement)).toEqual([
        'SELECT 10 / $1::int AS n',
        'SELECT 1 / ($1::int * 1) AS n',
      ]);
    });

    it('sends BEGIN on its own before a first statement without parameters, and nothing for one that ends at once', async () => {
      const { db, other, sent } = await tableSeenFromTwoConnections();
      await inTransaction(db, 'ROLLBACK', async (tx) => {
        await sql.raw('INSERT INTO t VALUES (1)').execute(tx);
      });
      expect((await sql<{ n: number }>`SELECT count(*)::int AS n FROM t`.execute(other)).rows[0]!.n).toBe(0);
      expect(sent.filter((text) => text === BEGIN)).toEqual([BEGIN]);

      sent.length = 0;
      await inTransaction(db, 'COMMIT', async () => undefined);
      await inTransaction(db, 'ROLLBACK', async () => undefined);
      expect(sent).toEqual([]);
    });
  });
});
