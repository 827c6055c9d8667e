// One handler per IPC contract channel, Electron-free so it runs for real in tests and in the Playwright test
// bridge. Every handler validates its arguments with the contract before anything is called, and answers
// Result<T>: bad input, core errors and unexpected throws all cross IPC as data, never as thrown strings.
import {
  type InvokeChannel,
  type InvokeResult,
  invokeChannels,
  type ParsedInvokeArgs,
  parseArgs,
  type Settings,
  type View,
  type ViewParams,
} from '../../ipc/contract.js';
import type { ApproverCore, Result } from '../core/api.js';

/** What the handlers need from the shell (windows and OS settings); main/index.ts wires these to Electron. */
export interface ShellActions {
  openWindow(view: View, params: ViewParams): void | Promise<void>;
  getSettings(): Settings;
  setStartAtLogin(enabled: boolean): Settings;
}

/** Arguments as the renderer sent them: anything, until the contract has validated them. */
export type IpcHandler<C extends InvokeChannel> = (...args: unknown[]) => Promise<Result<InvokeResult<C>>>;
export type IpcHandlers = { [C in InvokeChannel]: IpcHandler<C> };

export interface IpcHandlerOptions {
  /** Told about throws the handlers turned into INTERNAL errors (they are bugs; main logs them). */
  onUnexpectedError?: (channel: InvokeChannel, error: unknown) => void;
}

type Implementation<C extends InvokeChannel> = (
  ...args: ParsedInvokeArgs<C>
) => Result<InvokeResult<C>> | Promise<Result<InvokeResult<C>>>;
// A mapped type over every channel: leaving one out (or adding a channel to the contract without a handler here)
// is a compile error.
type Implementations = { [C in InvokeChannel]: Implementation<C> };

const ok = <T>(value: T): Result<T> => ({ ok: true, value });

function implementations(core: ApproverCore, shell: ShellActions): Implementations {
  return {
    'accounts:list': () => ok(core.listAccounts()),
    'accounts:pair': (input) => core.pair(input),
    'accounts:remove': (accountId) => core.removeAccount(accountId),
    'accounts:invite': (accountId) => core.issuePairingCode(accountId),

    'devices:list': (accountId) => core.listDevices(accountId),
    'devices:remove': (accountId, deviceId) => core.removeDevice(accountId, deviceId),
    'devices:events': (accountId, query) => core.deviceEvents(accountId, query),
    'devices:notices': () => ok(core.deviceNotices()),
    'devices:dismiss-notice': (accountId, eventId) => core.dismissDeviceNotice(accountId, eventId),

    'approvals:list': () => ok(core.pending()),
    'approvals:decide': (accountId, uuid, input) => core.decide(accountId, uuid, input),

    'keys:list': (accountId) => core.listKeys(accountId),
    'keys:create': (accountId, input) => core.createKey(accountId, input),
    'keys:update': (accountId, credentialId, input) => core.updateKey(accountId, credentialId, input),
    'ips:list': (accountId, credentialId) => core.listIps(accountId, credentialId),
    'ips:add': (accountId, credentialId, ip) => core.addIp(accountId, credentialId, ip),
    'ips:set-status': (accountId, credentialId, ipId, status) =>
      core.setIpStatus(accountId, credentialId, ipId, status),

    'history:local': (query) => ok(core.localHistory(query)),
    'history:server': (accountId, query) => core.serverHistory(accountId, query),

    'totp:current': (accountId) => core.currentCode(accountId),

    // --- App PIN ---
    'pin:status': () => core.pinStatus(),
    'pin:set': (input) => core.setPin(input),
    'pin:remove': (currentPin) => core.removePin(currentPin),
    // --- end app PIN ---
    'grants:list': (accountId, credentialId, options) => core.listGrants(accountId, credentialId, options),
    'grants:active': () => ok(core.activeGrants()),
    'grants:create': (accountId, credentialId, input) => core.createGrant(accountId, credentialId, input),
    'grants:revoke': (accountId, credentialId, grantId, options) =>
      core.revokeGrant(accountId, credentialId, grantId, options),
    'grants:not-me': (accountId, credentialId) => core.reportNotMe(accountId, credentialId),
    'grants:notices': () => ok(core.sessionNotices()),
    'grants:dismiss-notice': (id) => core.dismissSessionNotice(id),

    'app:open-window': async (view, params) => ok(await shell.openWindow(view, params)),
    'app:settings': () => ok(shell.getSettings()),
    'app:set-start-at-login': (enabled) => ok(shell.setStartAtLogin(enabled)),
  };
}

function guarded<C extends InvokeChannel>(
  channel: C,
  implementation: Implementation<C>,
  options: IpcHandlerOptions,
): IpcHandler<C> {
  return async (...args) => {
    const parsed = parseArgs(channel, args);
    if (!parsed.ok) return { ok: false, error: { code: 'INVALID_INPUT', message: `${channel}: ${parsed.message}` } };
    try {
      return await implementation(...parsed.args);
    } catch (error) {
      options.onUnexpectedError?.(channel, error);
      const reason = error instanceof Error ? error.message : String(error);
      return { ok: false, error: { code: 'INTERNAL', message: `${channel} failed unexpectedly: ${reason}` } };
    }
  };
}

export function createIpcHandlers(
  core: ApproverCore,
  shell: ShellActions,
  options: IpcHandlerOptions = {},
): IpcHandlers {
  const table = implementations(core, shell);
  const handlers: Partial<Record<InvokeChannel, IpcHandler<InvokeChannel>>> = {};
  for (const channel of invokeChannels) {
    // The loop variable is the union of channels, so TypeScript cannot pair table[channel] with its own channel;
    // the mapped type above already checked each entry against its channel.
    handlers[channel] = guarded(channel, table[channel] as Implementation<InvokeChannel>, options);
  }
  return handlers as IpcHandlers;
}
