// Preloaded into a benchmarked server (node --import) to count what it asks of its database, by instrumenting the
// drivers themselves: every better-sqlite3 statement execution (run/get/all/iterate, and exec) and every pg
// Client.query — one round trip to PostgreSQL each (Kysely sends one query per call; BEGIN, COMMIT and NOTIFY
// included). Counted by SQL text. On SIGWINCH it prints the counts so far on stderr as one line,
// "bench-statements {json}". Plain JavaScript so that Node loads it without a TypeScript loader; nothing in the
// server knows of it, and a server started without it runs no counting code at all.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const counts = new Map();
const count = (text) => {
  const key = typeof text === 'string' ? text : String(text?.text ?? text);
  counts.set(key, (counts.get(key) ?? 0) + 1);
};

const Database = require('better-sqlite3');
const scratch = new Database(':memory:');
const Statement = Object.getPrototypeOf(scratch.prepare('SELECT 1'));
scratch.close();
for (const method of ['run', 'get', 'all', 'iterate']) {
  const original = Statement[method];
  Statement[method] = function counted(...args) {
    count(this.source);
    return original.apply(this, args);
  };
}
const exec = Database.prototype.exec;
Database.prototype.exec = function counted(text) {
  count(text);
  return exec.call(this, text);
};

const pg = require('pg');
const query = pg.Client.prototype.query;
pg.Client.prototype.query = function counted(config, values, callback) {
  count(config);
  return query.call(this, config, values, callback);
};

process.on('SIGWINCH', () => {
  process.stderr.write(`bench-statements ${JSON.stringify(Object.fromEntries(counts))}\n`);
});
