// What one push approval asks of the database stays within its budget: at most 18 statements on SQLite and 20 round
// trips to PostgreSQL. A count, not a time: the benchmark's own counter (bench/suites/statements.ts — a real server
// process with its drivers instrumented, a real device approving, the requester library), run here so that a change
// that adds a statement to the hot path fails the tests instead of only moving a figure in the next bench run.
import { afterAll, describe, expect, it } from 'vitest';
import { killAllChildren } from '../../bench/support/children.js';
import { statementBenchmarks } from '../../bench/suites/statements.js';
import { testClusterUrl } from '../support/postgres.js';

const SQLITE_STATEMENTS = 18;
const POSTGRES_ROUND_TRIPS = 20;

// A server the counter started is stopped by its own finally blocks; this is for a run cut short by the timeout.
afterAll(() => killAllChildren());

describe('the push approval hot path', () => {
  it(`runs at most ${SQLITE_STATEMENTS} statements on SQLite and ${POSTGRES_ROUND_TRIPS} round trips on PostgreSQL`, async () => {
    testClusterUrl(); // says how to get a cluster, rather than counting SQLite alone
    const lines: string[] = [];
    const counted = await statementBenchmarks((line) => lines.push(line));
    const report = `${lines.join('\n')}\nby statement: ${JSON.stringify(counted, null, 1)}`;
    expect(counted.sqlite.approvals, report).toBeGreaterThan(0);
    expect(counted.sqlite.per_approval, report).toBeLessThanOrEqual(SQLITE_STATEMENTS);
    expect(counted.postgres, report).not.toBeNull();
    expect(counted.postgres!.per_approval, report).toBeLessThanOrEqual(POSTGRES_ROUND_TRIPS);
    // The count is of the approval's work, not of nothing: each store ran at least its writes (the request, the
    // decision, the hand-out) and the reads around them.
    expect(counted.sqlite.per_approval, report).toBeGreaterThanOrEqual(6);
    expect(counted.postgres!.per_approval, report).toBeGreaterThanOrEqual(6);
  }, 120_000);
});
