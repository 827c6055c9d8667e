// Runs inside the page, before the renderer: the preload's own createBridge (the very code Electron's preload
// exposes as window.countersign) over an ipcRenderer stand-in whose transport is Playwright — invoke goes to a
// function the Node test process exposed, events come back through __countersignIpcEmit. Bundled by bridge.ts.
import { createBridge, type RendererIpc } from '../../../preload/bridge.js';

type Listener = (event: unknown, ...args: unknown[]) => void;

interface TestWindow {
  __countersignIpcInvoke(channel: string, args: unknown[]): Promise<unknown>;
  __countersignIpcEmit(channel: string, payload: unknown): void;
  countersign: ReturnType<typeof createBridge>;
}
const page = window as unknown as TestWindow;

const listeners = new Map<string, Set<Listener>>();

const ipc: RendererIpc = {
  invoke: (channel, ...args) => page.__countersignIpcInvoke(channel, args),
  on(channel, listener) {
    const set = listeners.get(channel) ?? new Set<Listener>();
    set.add(listener);
    listeners.set(channel, set);
  },
  removeListener(channel, listener) {
    listeners.get(channel)?.delete(listener);
  },
};

page.__countersignIpcEmit = (channel, payload) => {
  // ipcRenderer calls listeners with (event, ...args); the bridge drops the event.
  for (const listener of listeners.get(channel) ?? []) listener({}, payload);
};
// Electron's contextBridge hands the page a frozen copy; freeze it here too so the renderer cannot rely on more.
page.countersign = Object.freeze(createBridge(ipc));
