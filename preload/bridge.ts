// The object preload exposes as `window.countersign`, built over ipcRenderer but Electron-free so it is unit-tested.
// It is the renderer's only door to main: invoke() reaches contract channels only, on() delivers contract events
// only, and listeners get the payload alone — never the IpcRendererEvent, whose `sender` is ipcRenderer itself.
import {
  type CountersignBridge,
  type EventChannel,
  eventChannels,
  type InvokeChannel,
  type InvokeResult,
  isInvokeChannel,
} from '../ipc/contract.js';
import type { Result } from '../main/core/api.js';

/** The part of Electron's ipcRenderer the bridge uses. */
export interface RendererIpc {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

const isEventChannel = (name: unknown): name is EventChannel =>
  typeof name === 'string' && (eventChannels as readonly string[]).includes(name);

export function createBridge(ipc: RendererIpc): CountersignBridge {
  return {
    async invoke<C extends InvokeChannel>(channel: C, ...args: unknown[]): Promise<Result<InvokeResult<C>>> {
      if (!isInvokeChannel(channel))
        return { ok: false, error: { code: 'INVALID_INPUT', message: `unknown channel: ${String(channel)}` } };
      try {
        return (await ipc.invoke(channel, ...args)) as Result<InvokeResult<C>>;
      } catch (error) {
        // Only when main has no handler (yet) or the window is closing: still an answer, not a throw.
        const reason = error instanceof Error ? error.message : String(error);
        return { ok: false, error: { code: 'INTERNAL', message: `${channel}: ${reason}` } };
      }
    },
    on(event, listener) {
      if (!isEventChannel(event)) throw new TypeError(`unknown event: ${String(event)}`);
      if (typeof listener !== 'function') throw new TypeError('listener must be a function');
      const forward = (_event: unknown, payload: unknown) => listener(payload as Parameters<typeof listener>[0]);
      ipc.on(event, forward);
      return () => {
        ipc.removeListener(event, forward);
      };
    },
  };
}
