// The IPC handlers: one per contract channel, arguments validated by the contract before anything runs, every
// outcome answered as Result data.
import { describe, expect, it } from 'vitest';
import { type InvokeChannel, invokeChannels, type Settings, type View } from '../../ipc/contract.js';
import type { ApproverCore } from '../../main/core/api.js';
import { createIpcHandlers, type ShellActions } from '../../main/ipc/handlers.js';

const UUID = '6f1c1a8e-2c1b-4b7e-9d4a-0a7e5b1c2d3e';

/**
 * A core that must not be touched: any use of it is recorded and fails the call. It stands for "nothing was
 * called" — the real core is exercised in handlers-real-core.test.ts.
 */
function untouchableCore() {
  const touched: string[] = [];
  const core = new Proxy({} as ApproverCore, {
    get(_target, property) {
      touched.push(String(property));
      throw new Error(`the core was used: ${String(property)}`);
    },
  });
  return { core, touched };
}

/** The shell side of the handlers (windows and OS settings): records what it was asked. */
function recordingShell() {
  const calls: Array<{ action: string; args: unknown[] }> = [];
  let startAtLogin = false;
  const settings = (): Settings => ({ startAtLogin, platform: 'linux', version: '0.1.0' });
  const shell: ShellActions = {
    openWindow: (view: View, params) => {
      calls.push({ action: 'openWindow', args: [view, params] });
    },
    getSettings: () => {
      calls.push({ action: 'getSettings', args: [] });
      return settings();
    },
    setStartAtLogin: (enabled) => {
      calls.push({ action: 'setStartAtLogin', args: [enabled] });
      startAtLogin = enabled;
      return settings();
    },
  };
  return { shell, calls };
}

// Arguments each channel must refuse. Every channel has at least one entry (checked below).
const BAD_ARGUMENTS: Record<InvokeChannel, unknown[][]> = {
  'accounts:list': [['unexpected']],
  'accounts:pair': [[], [{ link: 42 }], [{ link: 'countersign://pair', evil: true }], ['countersign://pair']],
  'accounts:remove': [[], [''], ['x'.repeat(65)], [{ id: 'a' }]],
  'accounts:invite': [[], [null]],
  'devices:list': [[], [7]],
  'devices:remove': [['acct'], ['acct', 0], ['acct', '3'], ['acct', 1.5]],
  'devices:events': [['acct'], ['acct', { count: 0 }], ['acct', { olderThan: 'x' }], ['acct', { since: 1 }]],
  'devices:notices': [['unexpected']],
  'devices:dismiss-notice': [['acct'], ['acct', -1]],
  'approvals:list': [[1]],
  'approvals:decide': [
    ['acct', 'not-a-uuid', { decision: 'APPROVE' }],
    ['acct', UUID, { decision: 'MAYBE' }],
    ['acct', UUID, { decision: 'APPROVE', bindingCode: '123456789' }],
    ['acct', UUID, { decision: 'APPROVE', bindingCode: '12a' }],
    ['acct', UUID, { decision: 'APPROVE', pin: '123' }],
    ['acct', UUID, { decision: 'APPROVE', pin: 'x'.repeat(65) }],
    ['acct', UUID, { decision: 'APPROVE', trustIp: 'yes' }],
    ['acct', UUID, { decision: 'APPROVE', signature: 'forged' }],
    ['acct', UUID],
  ],
  'keys:list': [[], [7]],
  'totp:current': [[], [''], [3], ['acct', 'extra']],
  'keys:create': [
    ['acct', { name: 'k', mode: 'sometimes' }],
    ['acct', { name: '', mode: 'push' }],
    ['acct', { name: 'line\nbreak', mode: 'push' }],
    ['acct', { name: 'k', mode: 'push', ips: ['999.1.1.1'] }],
    ['acct', { name: 'k', mode: 'push', token_value: 'chosen' }],
  ],
  'keys:update': [
    ['acct', 3, {}],
    ['acct', -1, { status: 'ACTIVE' }],
    ['acct', 3, { status: 'LOCKED' }],
    ['acct', '3', { status: 'ACTIVE' }],
  ],
  'ips:list': [['acct'], ['acct', 1.5]],
  'ips:add': [
    ['acct', 3, '999.1.1.1'],
    ['acct', 3, '10.0.0.0/8'],
    ['acct', 3, ''],
  ],
  'ips:set-status': [
    ['acct', 3, 4, 'DELETED'],
    ['acct', 3, 0, 'ACTIVE'],
  ],
  'history:local': [[], [{ limit: 5000 }], [{ since: 'yesterday' }], [{ status: 'DONE' }]],
  'history:server': [['acct'], ['acct', { count: 0 }], ['acct', { count: 201 }]],
  'pin:status': [['unexpected']],
  'pin:set': [
    [],
    ['1234'],
    [{ pin: '123' }],
    [{ pin: '1234', currentPin: 'x'.repeat(65) }],
    [{ pin: '1234', evil: 1 }],
  ],
  'pin:remove': [[], [''], ['123'], [{ pin: '1234' }]],
  'grants:list': [
    ['acct', 3],
    ['acct', 0, {}],
    ['acct', 3, { all: 'yes' }],
    ['acct', 3, { status: 'all' }],
  ],
  'grants:active': [['unexpected']],
  'grants:create': [
    ['acct', 3, { scope: 'anywhere' }],
    ['acct', 3, { scope: 'everywhere', minutes: 5 }],
    ['acct', 3, { scope: 'network', minutes: 5 }],
    ['acct', 3, { scope: 'installation', minutes: 5 }],
    ['acct', 3, { scope: 'anywhere', minutes: 10081 }],
    ['acct', 3, { scope: 'anywhere', max_uses: 0 }],
    ['acct', 3, { scope: 'anywhere', minutes: 5, extra: true }],
  ],
  'grants:revoke': [
    ['acct', 3, 9],
    ['acct', 3, 0, { endSessions: true }],
    ['acct', 3, 9, { endSessions: 'yes' }],
  ],
  'grants:not-me': [['acct'], ['acct', '3'], ['acct', -3]],
  'grants:notices': [['unexpected']],
  'grants:dismiss-notice': [[], [''], [3]],
  'app:open-window': [['settings', {}], ['keys'], ['keys', { accountId: 'a', url: 'https://evil.example' }]],
  'app:settings': [[true]],
  'app:set-start-at-login': [[], ['true'], [1]],
};

describe('createIpcHandlers', () => {
  it('has exactly one handler per contract channel', () => {
    const handlers = createIpcHandlers(untouchableCore().core, recordingShell().shell);
    expect(Object.keys(handlers).sort()).toEqual([...invokeChannels].sort());
    for (const handler of Object.values(handlers)) expect(typeof handler).toBe('function');
  });

  it('lists bad arguments for every channel in this test', () => {
    expect(Object.keys(BAD_ARGUMENTS).sort()).toEqual([...invokeChannels].sort());
  });

  for (const [channel, cases] of Object.entries(BAD_ARGUMENTS) as Array<[InvokeChannel, unknown[][]]>) {
    it(`${channel}: refuses bad arguments as INVALID_INPUT and calls nothing`, async () => {
      const { core, touched } = untouchableCore();
      const { shell, calls } = recordingShell();
      const handlers = createIpcHandlers(core, shell);
      for (const args of cases) {
        const result = await handlers[channel](...args);
        expect(result, JSON.stringify(args)).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
        if (!result.ok) expect(result.error.message).toContain(channel);
      }
      expect(touched).toEqual([]);
      expect(calls).toEqual([]);
    });
  }

  it('turns a throw inside the core into an INTERNAL error and reports it', async () => {
    const reported: Array<{ channel: string; error: unknown }> = [];
    const { core } = untouchableCore();
    const handlers = createIpcHandlers(core, recordingShell().shell, {
      onUnexpectedError: (channel, error) => reported.push({ channel, error }),
    });
    const result = await handlers['approvals:list']();
    expect(result).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'approvals:list failed unexpectedly: the core was used: pending' },
    });
    expect(reported.map((r) => r.channel)).toEqual(['approvals:list']);
  });

  it('passes validated app:* arguments to the shell actions and answers their results', async () => {
    const { core, touched } = untouchableCore();
    const { shell, calls } = recordingShell();
    const handlers = createIpcHandlers(core, shell);

    expect(await handlers['app:open-window']('ips', { accountId: 'acct-1', credentialId: 3 })).toEqual({
      ok: true,
      value: undefined,
    });
    expect(await handlers['app:set-start-at-login'](true)).toEqual({
      ok: true,
      value: { startAtLogin: true, platform: 'linux', version: '0.1.0' },
    });
    expect(await handlers['app:settings']()).toMatchObject({ ok: true, value: { startAtLogin: true } });
    expect(calls).toEqual([
      { action: 'openWindow', args: ['ips', { accountId: 'acct-1', credentialId: 3 }] },
      { action: 'setStartAtLogin', args: [true] },
      { action: 'getSettings', args: [] },
    ]);
    expect(touched).toEqual([]);
  });

  it('answers a failing shell action as data', async () => {
    const { shell } = recordingShell();
    shell.openWindow = async () => {
      throw new Error('renderer bundle missing');
    };
    const handlers = createIpcHandlers(untouchableCore().core, shell);
    expect(await handlers['app:open-window']('keys', {})).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: 'app:open-window failed unexpectedly: renderer bundle missing' },
    });
  });
});
