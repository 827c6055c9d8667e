// What one push approval asks of the database, per store: the server runs with its drivers instrumented
// (bench/support/statement-probe.mjs — better-sqlite3 statement executions, pg Client.query calls, i.e. round
// trips), one device approves every request at once, and one requester opens sessions one after another (the
// requester library: POST /v1/session-server, the long-poll until ACCEPTED). The counts over the measured approvals,
// less what the idle server ran over a window as long (the sweeper), divided by the approvals. Also by SQL text,
// so a change to the hot path shows which statement it removed, and on SQLite the time the statements took.
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openSession } from '../../client/index.js';
import { BenchDevice } from '../support/bench-device.js';
import { removeOnExit } from '../support/children.js';
import { startServerChild } from '../support/countersign-process.js';
import { createBenchDatabase } from '../support/postgres-db.js';
import { round } from '../support/proc-stats.js';
import { seed } from '../support/seed.js';
import { countsBetween, total } from '../support/statement-counts.js';
import { sleep } from '../support/stats.js';

const WARMUP_APPROVALS = 20;
const MEASURED_APPROVALS = 200;

export interface StatementsPerApproval {
  approvals: number;
  /** Statements (SQLite) or round trips (PostgreSQL) per approval, background subtracted. */
  per_approval: number;
  /** What the idle server ran over a window as long as the measured one (subtracted above). */
  background_in_window: number;
  /** Per approval, by SQL text (most first; background not subtracted). */
  by_statement: Record<string, number>;
  /**
   * SQLite only (null on PostgreSQL, whose round trips overlap): microseconds per approval spent inside
   * better-sqlite3, in all and by SQL text (most first; background not subtracted). One approval at a time on an
   * otherwise idle server, so this is the statements' own cost, not a loaded server's.
   */
  sqlite_micros_per_approval: number | null;
  sqlite_micros_by_statement: Record<string, number> | null;
}

export interface StatementsResults {
  sqlite: StatementsPerApproval;
  /** Null when no PostgreSQL cluster is there (run the bench through npm run bench). */
  postgres: StatementsPerApproval | null;
}

async function countOne(db: string, totpKey: string | undefined, log: (line: string) => void) {
  const seeded = await seed(db, { workers: 0, idleDevices: 0, idleDevicesPerUser: 1 });
  const server = await startServerChild({ db, totpKey, name: 'statements', countStatements: true });
  const { apiKey, device } = seeded.target;
  const approver = new BenchDevice(server.url, device.id, device.privateKey);
  let failure: string | null = null;
  try {
    await approver.connect();
    approver.onPush((message) => {
      if (message.type !== 'approval.requested') return;
      approver.decide(message.request.uuid, 'APPROVE').then(
        (reply) => {
          if (reply.status !== 200) failure ??= `decision HTTP ${reply.status}: ${reply.text}`;
        },
        (error: unknown) => {
          failure ??= String(error);
        },
      );
    });
    const approve = async (count: number) => {
      for (let index = 0; index < count; index += 1) {
        const result = await openSession({ server: server.url, apiKey, description: `statements ${index}` });
        if (result.status !== 'ACCEPTED') throw new Error(`session ${result.status}`);
      }
    };
    await approve(WARMUP_APPROVALS);
    await sleep(200);
    const before = await server.readStatements();
    const began = performance.now();
    await approve(MEASURED_APPROVALS);
    // The last decision's reply may still be on its way; its statements ran before the requester had its token.
    await sleep(50);
    const windowMs = performance.now() - began;
    const after = await server.readStatements();
    const idle = await server.readStatements();
    await sleep(windowMs);
    const idleAfter = await server.readStatements();
    if (failure) throw new Error(failure);
    const ran = countsBetween(before.counts, after.counts);
    const background = total(countsBetween(idle.counts, idleAfter.counts));
    const perApproval = (byText: Record<string, number>, digits: number) =>
      Object.fromEntries(
        Object.entries(byText)
          .sort(([, a], [, b]) => b - a)
          .map(([text, value]): [string, number] => [text, round(value / MEASURED_APPROVALS, digits)]),
      );
    const micros = countsBetween(before.micros, after.micros);
    const timed = Object.keys(micros).length > 0;
    const result: StatementsPerApproval = {
      approvals: MEASURED_APPROVALS,
      per_approval: round((total(ran) - background) / MEASURED_APPROVALS, 2),
      background_in_window: background,
      by_statement: perApproval(ran, 2),
      sqlite_micros_per_approval: timed ? round(total(micros) / MEASURED_APPROVALS, 1) : null,
      sqlite_micros_by_statement: timed ? perApproval(micros, 1) : null,
    };
    log(
      `  ${result.per_approval} per approval (background ${background} over the window subtracted)` +
        (timed ? `, ${result.sqlite_micros_per_approval} µs inside SQLite` : ''),
    );
    return result;
  } finally {
    await approver.close().catch(() => undefined);
    await server.stop();
  }
}

export async function statementBenchmarks(log: (line: string) => void): Promise<StatementsResults> {
  const dir = removeOnExit(await mkdtemp(join(tmpdir(), 'countersign-statements-')));
  let sqlite: StatementsPerApproval;
  try {
    log(`statements per push approval, SQLite (${MEASURED_APPROVALS} approvals, one at a time)`);
    sqlite = await countOne(join(dir, 'countersign.db'), undefined, log);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
  if (!process.env.COUNTERSIGN_TEST_PG) {
    log('no PostgreSQL cluster (COUNTERSIGN_TEST_PG unset): round trips on PostgreSQL not counted');
    return { sqlite, postgres: null };
  }
  const database = await createBenchDatabase();
  try {
    log(`round trips per push approval, PostgreSQL (${MEASURED_APPROVALS} approvals, one at a time)`);
    const postgres = await countOne(database.url, randomBytes(32).toString('hex'), log);
    return { sqlite, postgres };
  } finally {
    await database.drop();
  }
}
