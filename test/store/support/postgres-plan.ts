// How a store statement runs on PostgreSQL: the statement exactly as the store sends it (pg is the boundary, so its
// query call is watched, not replaced), and the rows its generic plan — the one a named statement settles on after
// five calls — reads from session_requests.
import pg from 'pg';
import type { Cleanups } from './fresh-database.js';

/** Every query text the process sends through pg from now until the test's clean-ups run. */
export function watchPostgresStatements(cleanups: Cleanups): string[] {
  const sent: string[] = [];
  const query = pg.Client.prototype.query;
  pg.Client.prototype.query = function (this: pg.Client, ...args: unknown[]) {
    const config = args[0] as string | { text?: string };
    const text = typeof config === 'string' ? config : config?.text;
    if (text) sent.push(text);
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  cleanups.push(async () => {
    pg.Client.prototype.query = query;
  });
  return sent;
}

interface PlanNode {
  'Node Type': string;
  'Actual Rows': number;
  'Actual Loops': number;
  'Relation Name'?: string;
  'Rows Removed by Filter'?: number;
  Plans?: PlanNode[];
}

/**
 * Runs the statement under plan_cache_mode = force_generic_plan with EXPLAIN ANALYZE and returns, for each scan of
 * session_requests, the rows it read: those it passed on and those it read only to filter out. The arguments are
 * SQL literals, in the order of the parameter types.
 */
export async function sessionRequestRowsRead(
  url: string,
  statement: string,
  parameterTypes: string[],
  literals: string[],
  cleanups: Cleanups,
): Promise<{ rowsRead: number[]; plan: string }> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  cleanups.push(() => client.end());
  await client.query('SET plan_cache_mode = force_generic_plan');
  await client.query(`PREPARE measured(${parameterTypes.join(', ')}) AS ${statement}`);
  const { rows } = await client.query(`EXPLAIN (ANALYZE, FORMAT JSON) EXECUTE measured(${literals.join(', ')})`);
  const scans: PlanNode[] = [];
  const walk = (node: PlanNode) => {
    // The requests table only: sub-selects of the key's name and the installation are look-ups of one row by
    // primary key, which the planner may well do by a scan of a table this small.
    if (/Scan/.test(node['Node Type']) && node['Relation Name'] === 'session_requests') scans.push(node);
    for (const child of node.Plans ?? []) walk(child);
  };
  walk((rows[0]['QUERY PLAN'] as { Plan: PlanNode }[])[0]!.Plan);
  return {
    // A backward scan of the primary key that skips the other keys' newer requests reads more than it returns.
    rowsRead: scans.map((scan) => (scan['Actual Rows'] + (scan['Rows Removed by Filter'] ?? 0)) * scan['Actual Loops']),
    plan: JSON.stringify(rows[0]['QUERY PLAN']),
  };
}
