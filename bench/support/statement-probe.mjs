// Preloaded into a benchmarked server (node --import) to count what it asks of its database, by instrumenting the
// drivers themselves: every better-sqlite3 statement execution (run/get/all/iterate, and exec) and every pg
// Client.query — one round trip to PostgreSQL each (Kysely sends one query per call; COMMIT and NOTIFY included; a
// transaction's BEGIN travels with its first statement, in that statement's round trip). Counted by SQL text.
// better-sqlite3 runs a statement synchronously, so its time is taken too (the microseconds inside
// run/get/all/iterate/exec: SQLite's work and the row conversion); a pg query's time would be its round trip, which
// other queries overlap, so none is taken. On SIGWINCH it prints both so far on stderr as one line,
// "bench-statements {"counts": …, "micros": …}". Plain JavaScript so that Node loads it without a TypeScript loader;
// nothing in the server knows of it, and a server started without it runs no counting code at all.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const counts = new Map();
const micros = new Map();
// A NOTIFY's payload differs on every call (ids): counted under one text per channel, not one per payload.
const NOTIFY_PAYLOAD = /pg_notify\('([^']*)', '(?:[^']|'')*'\)/g;
const keyOf = (text) =>
  (typeof text === 'string' ? text : String(text?.text ?? text)).replace(NOTIFY_PAYLOAD, "pg_notify('$1', …)");
const count = (text) => {
  const key = keyOf(text);
  counts.set(key, (counts.get(key) ?? 0) + 1);
};
/** Counts and times one synchronous execution. */
const timed = (text, execute) => {
  count(text);
  const began = process.hrtime.bigint();
  try {
    return execute();
  } finally {
    const key = keyOf(text);
    micros.set(key, (micros.get(key) ?? 0) + Number(process.hrtime.bigint() - began) / 1000);
  }
};

const Database = require('better-sqlite3');
const scratch = new Database(':memory:');
const Statement = Object.getPrototypeOf(scratch.prepare('SELECT 1'));
scratch.close();
for (const method of ['run', 'get', 'all', 'iterate']) {
  const original = Statement[method];
  Statement[method] = function counted(...args) {
    return timed(this.source, () => original.apply(this, args));
  };
}
const exec = Database.prototype.exec;
Database.prototype.exec = function counted(text) {
  return timed(text, () => exec.call(this, text));
};

const pg = require('pg');
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function counted(config, values, callback) {
  count(config);
  return query.call(this, config, values, callback);
};

process.on('SIGWINCH', () => {
  const report = { counts: Object.fromEntries(counts), micros: Object.fromEntries(micros) };
  process.stderr.write(`bench-statements ${JSON.stringify(report)}\n`);
});
