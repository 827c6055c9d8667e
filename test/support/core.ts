// A real approver core for tests: its own temporary data directory, the real OS keychain through keytar (under a
// keychain service name unique to the core, so tests never see each other's or a user's entries), optionally
// paired with a user of a real test server. close() stops it and removes its keychain entries and files.
// Keychain access needs a D-Bus session with an unlocked Secret Service: run inside scripts/with-desktop-session.sh.
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Account, ApproverCore, ConnectionState } from '../../main/core/api.js';
import type { BackoffOptions } from '../../main/core/backoff.js';
import { type ApproverCoreOptions, type Vault, createApproverCore, keytarVault } from '../../main/core/index.js';

/** Whatever can issue a pairing link for a user: TestServer.admin, or AdminCommands beside a server process. */
export interface PairingIssuer {
  pair(user: string, server?: string): Promise<{ pairing_url: string; code: string }>;
}

export interface TestCoreOptions {
  /** Pair with this user right away (needs `issuer`). */
  user?: string;
  issuer?: PairingIssuer;
  deviceName?: string;
  backoff?: Partial<BackoffOptions>;
  WebSocket?: ApproverCoreOptions['WebSocket'];
  /** How long sessions opened without asking gather into one notice (the core's default otherwise). */
  sessionBatchMs?: number;
  /** Wait until the paired account's push stream is connected (default true). */
  waitConnected?: boolean;
}

export interface TestCore {
  core: ApproverCore;
  dataDir: string;
  /** The keychain service this core files its device keys under. */
  service: string;
  vault: Vault;
  /** The account paired at start, if a user was given. */
  account: Account | null;
  /** Stops the core, deletes its keychain entries and its data directory. */
  close(): Promise<void>;
}

/** Polls until check() returns something truthy; fails with `what` after the timeout. */
export async function waitFor<T>(
  what: string,
  check: () => T | Promise<T>,
  timeoutMs = 20_000,
): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value as NonNullable<T>;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}.`);
    await new Promise((resolve) => setTimeout(resolve, 25));
  }
}

export function connectionOf(core: ApproverCore, accountId: string): ConnectionState | null {
  return core.listAccounts().find((a) => a.id === accountId)?.connection ?? null;
}

export async function waitConnected(core: ApproverCore, accountId: string, timeoutMs?: number): Promise<Account> {
  try {
    return await waitFor(
      `account ${accountId} to connect`,
      () => core.listAccounts().find((a) => a.id === accountId && a.connection.state === 'connected'),
      timeoutMs,
    );
  } catch (error) {
    // Say where it got stuck: the state carries the reason of the last failure.
    const state = JSON.stringify(connectionOf(core, accountId));
    throw new Error(`${(error as Error).message} Last connection state: ${state}`);
  }
}

export async function startTestCore(options: TestCoreOptions = {}): Promise<TestCore> {
  const dataDir = await mkdtemp(join(tmpdir(), 'countersign-core-'));
  const service = `Countersign-test-${randomUUID()}`;
  const vault = keytarVault();
  const core = createApproverCore({
    dataDir,
    vault,
    keychainService: service,
    deviceName: options.deviceName ?? 'test desktop',
    platform: 'linux',
    ...(options.backoff ? { backoff: options.backoff } : {}),
    ...(options.WebSocket ? { WebSocket: options.WebSocket } : {}),
    ...(options.sessionBatchMs !== undefined ? { sessionBatchMs: options.sessionBatchMs } : {}),
  });
  await core.start();
  const close = async () => {
    await core.stop();
    for (const entry of await vault.findCredentials(service)) await vault.deletePassword(service, entry.account);
    await rm(dataDir, { recursive: true, force: true });
  };
  let account: Account | null = null;
  if (options.user) {
    if (!options.issuer) throw new Error('startTestCore: give an issuer to pair with a user');
    try {
      const { pairing_url } = await options.issuer.pair(options.user);
      const paired = await core.pair({ link: pairing_url });
      if (!paired.ok) throw new Error(`pairing failed: ${paired.error.code} ${paired.error.message}`);
      account = paired.value;
      if (options.waitConnected ?? true) account = await waitConnected(core, account.id);
    } catch (error) {
      await close();
      throw error;
    }
  }
  return { core, dataDir, service, vault, account, close };
}
