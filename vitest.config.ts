import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

// countersign-session keeps its installation key under the user's config folder when no keychain answers: tests
// that run it must not write into the real one. Every worker (and every process it starts) inherits this.
process.env.XDG_CONFIG_HOME = mkdtempSync(join(tmpdir(), 'countersign-test-config-'));

export default defineConfig({
  test: {
    // Integration tests start real servers and processes; give them room, but never hide slowness in a timing
    // assertion (speed lives in `npm run bench`).
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // The CLIs run as built JavaScript (dist/node); build it once per run from the current sources.
    globalSetup: ['test/support/build-node.ts'],
    projects: [
      {
        extends: true,
        test: {
          // Everything, with the server on embedded SQLite. test/scale-out (several servers on one PostgreSQL
          // database, COUNTERSIGN_TEST_PG) is part of it.
          name: 'default',
          include: ['test/**/*.test.ts'],
          // Playwright owns test/e2e; stress variants run with `npm run test:stress`.
          exclude: ['test/e2e/**', 'test/stress/**', 'node_modules/**'],
        },
      },
      {
        extends: true,
        test: {
          // The same server tests again with the server on PostgreSQL: test/support/server.ts reads the store kind
          // from COUNTERSIGN_TEST_STORE and gives every test server a fresh database on COUNTERSIGN_TEST_PG
          // (run under scripts/with-postgres.sh, as npm test does).
          name: 'server-postgres',
          include: ['test/server/**/*.test.ts'],
          // The OpenAPI document does not depend on the store; linting it and generating a client once is enough.
          // Nor do the router's reply checks (typed-replies: its own routes on a SQLite app).
          exclude: ['test/server/openapi-client.test.ts', 'test/server/typed-replies.test.ts', 'node_modules/**'],
          env: { COUNTERSIGN_TEST_STORE: 'postgres' },
        },
      },
      {
        extends: true,
        test: {
          // The hardening suite's store-level proofs again on PostgreSQL: racing decisions (block-and-deactivate
          // against approve, deactivation against the token hand-out), kill -9 with requests in flight, forged and
          // replayed calls changing nothing. The rest of test/hardening is about one process or the desktop's files.
          name: 'hardening-postgres',
          include: [
            'test/hardening/concurrency.test.ts',
            'test/hardening/durability.test.ts',
            'test/hardening/forgery.test.ts',
          ],
          env: { COUNTERSIGN_TEST_STORE: 'postgres' },
        },
      },
    ],
  },
});
