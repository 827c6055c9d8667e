// Kysely's SQLite dialect with one change: every bound parameter is written `+?`, not `?`.
//
// Why. better-sqlite3 builds SQLite with SQLITE_ENABLE_STAT4, and SQLite then lets the query planner look at the
// value bound to a bare `?` (for range estimates, min/max, LIMIT). A statement whose plan looked at a value is
// marked to be prepared again whenever that parameter is bound — and better-sqlite3 binds on every call. So those
// statements were parsed and planned anew on every run: the key's pending-and-last-accepted read took about 100 µs
// with `?` and 10 µs with the same values written in (measured with better-sqlite3 13.2, SQLite 3.54, on a copy of
// a benchmark database). Unary plus leaves the value as it is (no affinity, no collation, same comparisons) but
// hides it from the planner, which then plans once; the indexes used stay the same. SQLite has a switch for this
// (SQLITE_DBCONFIG_ENABLE_QPSG), which better-sqlite3 does not expose. What the planner can no longer do with a
// `+?`: LIKE prefix ranges (no query here uses LIKE) and statistics-based estimates (ANALYZE is never run).
import { SqliteDialect, SqliteQueryCompiler } from 'kysely';

class HiddenParameterCompiler extends SqliteQueryCompiler {
  protected override getCurrentParameterPlaceholder(): string {
    return '+?';
  }
}

export class PlanOnceSqliteDialect extends SqliteDialect {
  override createQueryCompiler(): SqliteQueryCompiler {
    return new HiddenParameterCompiler();
  }
}
