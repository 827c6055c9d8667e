// Runs inside the page, before the renderer: the preload's own createBridge (the very code Electron's preload
// exposes as window.countersign) over an ipcRenderer stand-in whose transport is Playwright — invoke goes to a
// function the Node test process exposed, events come back through __countersignIpcEmit. Bundled by bridge.ts.
import { createBridge } from '../../../preload/bridge.js';
import { ipcStandIn } from './ipc-stand-in.js';

interface TestWindow {
  __countersignIpcInvoke(channel: string, args: unknown[]): Promise<unknown>;
  __countersignIpcSend(channel: string): Promise<void>;
  __countersignDocumentStarted(): Promise<void>;
  __countersignIpcEmit(channel: string, payload: unknown): void;
  countersign: ReturnType<typeof createBridge>;
}
const page = window as unknown as TestWindow;

void page.__countersignDocumentStarted();
const { ipc, emit } = ipcStandIn(
  (channel, args) => page.__countersignIpcInvoke(channel, args),
  (channel) => void page.__countersignIpcSend(channel),
);
page.__countersignIpcEmit = emit;
// Electron's contextBridge hands the page a frozen copy; freeze it here too so the renderer cannot rely on more.
page.countersign = Object.freeze(createBridge(ipc));
