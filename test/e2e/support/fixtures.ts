// Playwright fixtures of the e2e suite. Each test gets its own world — a real server (fresh SQLite file), a real
// core (temp data dir, device key in the real keychain) paired to it, and the real requester library — and a
// Chromium page showing the built renderer with window.countersign forwarded to that core (bridge.ts).
import { type Page, test as base, expect } from '@playwright/test';
import { openSession, type OpenSessionOptions, type OpenSessionResult } from '../../../client/index.js';
import type { Account, ApproverCore } from '../../../main/core/api.js';
import { createSettingsActions, xdgAutostart } from '../../../main/shell/settings.js';
import type { KeyMode, PairingCodeIssued } from '../../../protocol/index.js';
import { startTestCore, type TestCore, waitFor } from '../../support/core.js';
import { TestDevice } from '../../support/device.js';
import { startTestServer, type TestServer, type TestServerOptions, tempDir } from '../../support/server.js';
import { connectPage, type PageBridge } from './bridge.js';
import { serveRenderer } from './static-server.js';

export interface NewKey {
  name: string;
  mode: KeyMode;
  numberMatching?: boolean;
  ips?: string[];
  /** Let a TOTP code open a session in place of a push approval. */
  codeFallback?: boolean;
}

export interface World {
  server: TestServer;
  serverUrl: string;
  userName: string;
  core: ApproverCore;
  /** The core's one account, connected. */
  account: Account;
  /** A key of the world's user, made with the admin commands; apiKey is its value. */
  createKey(key: NewKey): Promise<{ id: number; apiKey: string }>;
  /** The real requester library opening a session from 127.0.0.1 (or options.localAddress); aborted at teardown. */
  requestSession(
    apiKey: string,
    options?: Omit<OpenSessionOptions, 'server' | 'apiKey' | 'signal'>,
  ): Promise<OpenSessionResult>;
  issuePairingCode(): Promise<PairingCodeIssued>;
  /** Stops the server now (a test of what the desktop shows when it goes away); teardown then skips it. */
  stopServer(): Promise<void>;
  /** Another device of the same user (the protocol-level test device), to decide elsewhere. */
  pairOtherDevice(): Promise<{ decide(uuid: string, decision: 'APPROVE' | 'BLOCK'): Promise<void> }>;
  pairWithCode(code: string, name?: string): Promise<TestDevice>;
}

export interface Approver {
  page: Page;
  bridge: PageBridge;
  core: ApproverCore;
  /** Loads the renderer afresh on a view, e.g. 'keys' or 'ips?accountId=…&credentialId=7' (like a new window). */
  open(hash: string): Promise<void>;
}

interface Fixtures {
  serverOptions: TestServerOptions;
  world: World;
  approver: Approver;
  /** A second core, paired with nothing, in its own page: for the pairing flows. */
  unpaired: Approver;
}

interface WorkerFixtures {
  rendererUrl: string;
}

/** Retries quickly in tests: a reconnect must not outlast a test's patience. */
const BACKOFF = { baseMs: 200, capMs: 2000 };

/** Connected, and told by the server's hello which address it has (for "add my current IP"). */
function withClientIp(core: ApproverCore, accountId: string): Promise<Account> {
  return waitFor('the server to tell the core its address', () =>
    core.listAccounts().find((a) => a.id === accountId && a.connection.state === 'connected' && a.clientIp),
  );
}

async function openApprover(
  page: Page,
  core: ApproverCore,
  rendererUrl: string,
  configHome: string,
): Promise<Approver> {
  const settings = createSettingsActions(xdgAutostart(configHome, ['countersign']), {
    platform: process.platform,
    version: '0.1.0',
  });
  const bridge = await connectPage(page, core, settings);
  // A page error is a renderer bug: fail the test that caused it.
  page.on('pageerror', (error) => bridge.problems.push(`page error: ${error.message}`));
  page.on('console', (message) => {
    if (message.type() === 'error') bridge.problems.push(`console error: ${message.text()}`);
  });
  return {
    page,
    bridge,
    core,
    async open(hash) {
      // about:blank first so every open is a fresh document, as a newly opened window is.
      await page.goto('about:blank');
      await page.goto(`${rendererUrl}#${hash}`);
    },
  };
}

export const test = base.extend<Fixtures, WorkerFixtures>({
  rendererUrl: [
    // biome-ignore lint/correctness/noEmptyPattern: Playwright's fixture signature
    async ({}, use) => {
      const server = await serveRenderer();
      await use(server.url);
      await server.close();
    },
    { scope: 'worker' },
  ],

  serverOptions: [{}, { option: true }],

  world: async ({ serverOptions }, use) => {
    const server = await startTestServer(serverOptions);
    // Each test has its own server, so the name need not be unique.
    const userName = 'alice';
    await server.admin.createUser(userName);
    const aborts = new AbortController();
    let testCore: TestCore | null = null;
    let serverStopped = false;
    const stopServer = async () => {
      if (serverStopped) return;
      serverStopped = true;
      await server.close();
    };
    try {
      testCore = await startTestCore({
        user: userName,
        issuer: server.admin,
        deviceName: 'e2e approver',
        backoff: BACKOFF,
      });
      const { core } = testCore;
      const account = await withClientIp(core, testCore.account?.id ?? '');

      const pairWithCode = (code: string, name = 'other device') => TestDevice.pair(server.url, code, name);
      await use({
        server,
        serverUrl: server.url,
        userName,
        core,
        account,
        async createKey(key) {
          const created = await server.admin.createKey({ user: userName, ...key });
          return { id: created.id, apiKey: created.api_key };
        },
        requestSession(apiKey, options = {}) {
          const session = openSession({
            server: server.url,
            apiKey,
            timeoutSeconds: 60,
            ...options,
            signal: aborts.signal,
          });
          // The test awaits the session itself; this branch only keeps the abort at teardown from surfacing as an
          // unhandled rejection of a request a failed (or deliberately unanswered) test left waiting.
          session.catch(() => {});
          return session;
        },
        issuePairingCode: () => server.admin.pair(userName),
        stopServer,
        async pairOtherDevice() {
          const device = await pairWithCode((await server.admin.pair(userName)).code);
          return {
            async decide(uuid, decision) {
              const reply = await device.decide(uuid, { decision });
              if (reply.status !== 200) throw new Error(`decision refused: ${reply.status} ${reply.text}`);
            },
          };
        },
        pairWithCode,
      });
    } finally {
      aborts.abort();
      await testCore?.close();
      await stopServer();
    }
  },

  approver: async ({ page, world, rendererUrl }, use) => {
    const configHome = await tempDir('countersign-e2e-config-');
    const approver = await openApprover(page, world.core, rendererUrl, configHome.path);
    await use(approver);
    approver.bridge.dispose();
    await configHome.remove();
    expect(approver.bridge.problems, 'renderer errors, handler throws or lost events').toEqual([]);
  },

  unpaired: async ({ page, rendererUrl }, use) => {
    const configHome = await tempDir('countersign-e2e-config-');
    const { core, close } = await startTestCore({ deviceName: 'e2e unpaired', backoff: BACKOFF });
    const approver = await openApprover(page, core, rendererUrl, configHome.path);
    await use(approver);
    approver.bridge.dispose();
    await close();
    await configHome.remove();
    expect(approver.bridge.problems, 'renderer errors, handler throws or lost events').toEqual([]);
  },
});

export { expect };
