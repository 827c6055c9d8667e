// End-to-end: the built renderer (npm run build:renderer) in Debian's Chromium — no browser download — with
// window.countersign forwarded to a real core, a real server and a real requester (test/e2e/support/bridge.ts).
// The keychain needs a session bus: run inside scripts/with-desktop-session.sh (npm test does).
import { defineConfig } from '@playwright/test';
import { CHROMIUM_FLAGS, CHROMIUM_PATH } from './test/e2e/support/chromium.js';

export default defineConfig({
  testDir: 'test/e2e',
  // Each test starts its own server, core and requester; two at a time suits the 2-core build machines.
  workers: 2,
  fullyParallel: true,
  timeout: 90_000,
  expect: { timeout: 15_000 },
  forbidOnly: !!process.env.CI,
  retries: 0,
  reporter: [['list']],
  outputDir: 'test-results',
  use: {
    viewport: { width: 960, height: 720 },
    locale: 'en-GB',
    timezoneId: 'Europe/Amsterdam',
    trace: 'retain-on-failure',
    launchOptions: {
      executablePath: CHROMIUM_PATH,
      args: CHROMIUM_FLAGS,
    },
  },
});
