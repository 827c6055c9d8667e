// The ipcRenderer stand-in for a page that runs the preload's own createBridge outside Electron: invoke goes to a
// transport the caller chose (a function the Node process exposed), and events the Node process sends are delivered
// to the bridge's listeners as ipcRenderer delivers them — with (event, ...args), of which the bridge drops the event.
import type { RendererIpc } from '../../../preload/bridge.js';

type Listener = (event: unknown, ...args: unknown[]) => void;

export function ipcStandIn(
  invoke: (channel: string, args: unknown[]) => Promise<unknown>,
  send: (channel: string) => void,
): {
  ipc: RendererIpc;
  /** Delivers one main → renderer event to every listener of its channel. */
  emit(channel: string, payload: unknown): void;
} {
  const listeners = new Map<string, Set<Listener>>();
  const ipc: RendererIpc = {
    invoke: (channel, ...args) => invoke(channel, args),
    send: (channel) => send(channel),
    on(channel, listener) {
      const set = listeners.get(channel) ?? new Set<Listener>();
      set.add(listener);
      listeners.set(channel, set);
    },
    removeListener(channel, listener) {
      listeners.get(channel)?.delete(listener);
    },
  };
  const emit = (channel: string, payload: unknown) => {
    for (const listener of listeners.get(channel) ?? []) listener({}, payload);
  };
  return { ipc, emit };
}
