// The object preload exposes as `window.countersign`, built over ipcRenderer from the IPC schema but Electron-free so
// it is unit-tested. It is the renderer's only door to main: invoke() reaches the schema's invoke channels only,
// on() delivers its main → renderer events only, notify() sends its one-way messages only, and listeners get the
// payload alone — never the IpcRendererEvent, whose `sender` is ipcRenderer itself.
import {
  type CountersignBridge,
  type InvokeChannel,
  type InvokeResult,
  isEventChannel,
  isInvokeChannel,
  isNotifyMainChannel,
  type Result,
} from '../ipc/contract.js';

/** The part of Electron's ipcRenderer the bridge uses. */
export interface RendererIpc {
  invoke(channel: string, ...args: unknown[]): Promise<unknown>;
  send(channel: string): void;
  on(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
  removeListener(channel: string, listener: (event: unknown, ...args: unknown[]) => void): unknown;
}

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
    notify(channel) {
      if (!isNotifyMainChannel(channel)) throw new TypeError(`unknown channel: ${String(channel)}`);
      // Never any arguments: the schema's one-way messages carry none, so the page cannot smuggle data through.
      ipc.send(channel);
    },
  };
}
