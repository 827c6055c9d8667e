import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // Playwright owns test/e2e; stress variants run with `npm run test:stress`.
    exclude: ['test/e2e/**', 'test/stress/**', 'node_modules/**'],
    // Integration tests start real servers and processes; give them room, but never hide slowness in a timing
    // assertion (speed lives in `npm run bench`).
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
