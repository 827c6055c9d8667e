// The preload bridge: contract channels and events only, payloads without the IPC event, errors as data.
import { describe, expect, it } from 'vitest';
import type { CountersignBridge, InvokeChannel } from '../../ipc/contract.js';
import { createBridge } from '../../preload/bridge.js';
import { FakeIpcRenderer } from './support/fake-electron.js';

function setup(answer: (channel: string, args: unknown[]) => Promise<unknown> = async () => ({ ok: true, value: [] })) {
  const ipc = new FakeIpcRenderer(answer);
  return { ipc, bridge: createBridge(ipc) };
}

describe('preload bridge', () => {
  it('forwards a contract channel and its arguments and answers what main answered', async () => {
    const { ipc, bridge } = setup();
    expect(await bridge.invoke('keys:list', 'acct-1')).toEqual({ ok: true, value: [] });
    expect(ipc.invoked).toEqual([{ channel: 'keys:list', args: ['acct-1'] }]);
  });

  it('refuses a channel outside the contract without sending anything', async () => {
    const { ipc, bridge } = setup();
    const loose = bridge as unknown as { invoke(channel: string, ...args: unknown[]): Promise<unknown> };
    for (const channel of ['ELECTRON_BROWSER_REQUIRE', 'shell:openExternal', '__proto__', 'toString']) {
      expect(await loose.invoke(channel)).toEqual({
        ok: false,
        error: { code: 'INVALID_INPUT', message: `unknown channel: ${channel}` },
      });
    }
    expect(ipc.invoked).toEqual([]);
  });

  it('answers a rejected invoke (no handler in main yet) as data', async () => {
    const { bridge } = setup(async () => {
      throw new Error("No handler registered for 'approvals:list'");
    });
    expect(await bridge.invoke('approvals:list')).toEqual({
      ok: false,
      error: { code: 'INTERNAL', message: "approvals:list: No handler registered for 'approvals:list'" },
    });
  });

  it('delivers contract events with the payload only, and unsubscribes', () => {
    const { ipc, bridge } = setup();
    const received: unknown[][] = [];
    const off = bridge.on('app:navigate', (...args: unknown[]) => received.push(args));
    ipc.emitFromMain('app:navigate', { view: 'keys' });
    expect(received).toEqual([[{ view: 'keys' }]]);
    off();
    ipc.emitFromMain('app:navigate', { view: 'ips' });
    expect(received).toHaveLength(1);
    expect(ipc.listenerCount('app:navigate')).toBe(0);
  });

  it('refuses to listen to anything outside the contract', () => {
    const { ipc, bridge } = setup();
    const loose = bridge as unknown as { on(event: string, listener: unknown): unknown };
    expect(() => loose.on('ELECTRON_RENDERER_CONTEXT_BRIDGE', () => {})).toThrow('unknown event');
    // An invoke channel is not an event.
    expect(() => loose.on('accounts:list', () => {})).toThrow('unknown event');
    expect(() => loose.on('app:navigate', 'not a function')).toThrow('listener must be a function');
    expect(ipc.listeners.size).toBe(0);
  });

  it("sends the schema's one-way messages, without arguments, and nothing else", () => {
    const { ipc, bridge } = setup();
    bridge.notify('app:ready');
    const loose = bridge as unknown as { notify(channel: string, ...args: unknown[]): void };
    loose.notify('app:ready', { smuggled: true });
    expect(() => loose.notify('accounts:list')).toThrow('unknown channel');
    expect(() => loose.notify('ELECTRON_BROWSER_REQUIRE')).toThrow('unknown channel');
    expect(ipc.sentToMain).toEqual(['app:ready', 'app:ready']);
  });

  it('exposes invoke, on and notify only (ipcRenderer never reaches the page)', () => {
    const { bridge } = setup();
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'notify', 'on']);
    const typed: CountersignBridge = bridge;
    const channel: InvokeChannel = 'accounts:list';
    expect(typeof typed.invoke).toBe('function');
    expect(channel).toBe('accounts:list');
  });
});
