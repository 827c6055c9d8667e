// FAKE ELECTRON MODULE — the one fake of the shell tests, at the boundary we cannot cross on this machine (no
// Electron binary). It records what the shell asks of BrowserWindow, webContents, ipcMain, Tray, Menu and sessions,
// and lets a test fire the events Electron would fire. Everything behind the boundary (the shell's own logic)
// runs for real. Casts to Electron's types happen here only.
import type {
  BrowserWindow,
  BrowserWindow as ElectronBrowserWindow,
  BrowserWindowConstructorOptions,
  IpcMain,
  IpcMainInvokeEvent,
  Menu,
  MenuItemConstructorOptions,
  NativeImage,
  Session,
  Tray,
  WebContents,
} from 'electron';

type Listener = (...args: unknown[]) => unknown;

class FakeEmitter {
  readonly listeners = new Map<string, Listener[]>();
  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  removeListener(event: string, listener: Listener): this {
    this.listeners.set(
      event,
      (this.listeners.get(event) ?? []).filter((l) => l !== listener),
    );
    return this;
  }
  /** Fires an event as Electron would; returns whether some listener called preventDefault(). */
  fire(event: string, ...args: unknown[]): boolean {
    let prevented = false;
    const electronEvent = { preventDefault: () => (prevented = true) };
    for (const listener of this.listeners.get(event) ?? []) listener(electronEvent, ...args);
    return prevented;
  }
  listenerCount(event: string): number {
    return this.listeners.get(event)?.length ?? 0;
  }
}

let nextWebContentsId = 100;

export class FakeWebContents extends FakeEmitter {
  readonly id = nextWebContentsId++;
  readonly sent: Array<{ channel: string; payload: unknown }> = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  send(channel: string, payload: unknown): void {
    this.sent.push({ channel, payload });
  }
  setWindowOpenHandler(handler: (details: { url: string }) => { action: string }): void {
    this.windowOpenHandler = handler;
  }
  asElectron(): WebContents {
    return this as unknown as WebContents;
  }
}

export class FakeBrowserWindow extends FakeEmitter {
  readonly webContents = new FakeWebContents();
  readonly calls: string[] = [];
  loadedUrl: string | null = null;
  visible = false;
  alwaysOnTop = false;
  destroyed = false;
  minimized = false;
  constructor(readonly options: BrowserWindowConstructorOptions) {
    super();
  }
  async loadURL(url: string): Promise<void> {
    this.loadedUrl = url;
  }
  show(): void {
    this.calls.push('show');
    this.visible = true;
  }
  showInactive(): void {
    this.calls.push('showInactive');
    this.visible = true;
  }
  hide(): void {
    this.calls.push('hide');
    this.visible = false;
  }
  focus(): void {
    this.calls.push('focus');
  }
  restore(): void {
    this.minimized = false;
  }
  isVisible(): boolean {
    return this.visible;
  }
  isMinimized(): boolean {
    return this.minimized;
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  setAlwaysOnTop(flag: boolean): void {
    this.alwaysOnTop = flag;
  }
  /** As Electron: 'close' can be prevented; otherwise the window is destroyed and 'closed' follows. */
  close(): void {
    if (this.fire('close')) return;
    this.destroyed = true;
    this.visible = false;
    this.fire('closed');
  }
  asElectron(): BrowserWindow {
    return this as unknown as BrowserWindow;
  }
}

/** A BrowserWindow class (as Electron's is passed to the shell) that keeps every window it made. */
export function fakeBrowserWindowClass() {
  const created: FakeBrowserWindow[] = [];
  class BrowserWindow extends FakeBrowserWindow {
    constructor(options: BrowserWindowConstructorOptions) {
      super(options);
      created.push(this);
    }
  }
  return {
    created,
    BrowserWindow: BrowserWindow as unknown as new (options: BrowserWindowConstructorOptions) => ElectronBrowserWindow,
  };
}

type InvokeHandler = (event: IpcMainInvokeEvent, ...args: unknown[]) => unknown;

export class FakeIpcMain {
  readonly handlers = new Map<string, InvokeHandler>();
  handle(channel: string, handler: InvokeHandler): void {
    if (this.handlers.has(channel)) throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, handler);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** Calls a channel as a renderer would, from the given sender. */
  async invoke(channel: string, sender: FakeSender, ...args: unknown[]): Promise<unknown> {
    const handler = this.handlers.get(channel);
    if (!handler) throw new Error(`No handler registered for '${channel}'`);
    return handler(sender.event(), ...args);
  }
  asElectron(): Pick<IpcMain, 'handle' | 'removeHandler'> {
    return this as unknown as Pick<IpcMain, 'handle' | 'removeHandler'>;
  }
}

/** Who an IPC message comes from: a webContents id and its frame (null when the frame is gone). */
export class FakeSender {
  constructor(
    readonly webContentsId: number,
    readonly frame: { url: string; isTopFrame: boolean } | null,
  ) {}
  event(): IpcMainInvokeEvent {
    const frame = this.frame && { url: this.frame.url, parent: this.frame.isTopFrame ? null : { url: 'parent' } };
    return { sender: { id: this.webContentsId }, senderFrame: frame } as unknown as IpcMainInvokeEvent;
  }
}

/** ipcRenderer as preload sees it. */
export class FakeIpcRenderer extends FakeEmitter {
  readonly invoked: Array<{ channel: string; args: unknown[] }> = [];
  constructor(private readonly answer: (channel: string, args: unknown[]) => Promise<unknown>) {
    super();
  }
  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invoked.push({ channel, args });
    return this.answer(channel, args);
  }
  /** Main sends an event: the renderer-side listeners get (IpcRendererEvent, payload). */
  emitFromMain(channel: string, payload: unknown): void {
    const ipcRendererEvent = { sender: this, senderId: 0 };
    for (const listener of this.listeners.get(channel) ?? []) listener(ipcRendererEvent, payload);
  }
}

export class FakeSession {
  permissionRequestHandler:
    | ((contents: unknown, permission: string, callback: (granted: boolean) => void) => void)
    | null = null;
  permissionCheckHandler: ((...args: unknown[]) => boolean) | null = null;
  devicePermissionHandler: ((...args: unknown[]) => boolean) | null = null;
  beforeRequest: ((details: { url: string }, callback: (response: { cancel: boolean }) => void) => void) | null = null;
  readonly webRequest = {
    onBeforeRequest: (listener: FakeSession['beforeRequest']) => {
      this.beforeRequest = listener;
    },
  };
  setPermissionRequestHandler(handler: FakeSession['permissionRequestHandler']): void {
    this.permissionRequestHandler = handler;
  }
  setPermissionCheckHandler(handler: FakeSession['permissionCheckHandler']): void {
    this.permissionCheckHandler = handler;
  }
  setDevicePermissionHandler(handler: FakeSession['devicePermissionHandler']): void {
    this.devicePermissionHandler = handler;
  }
  asElectron(): Session {
    return this as unknown as Session;
  }
}

export class FakeTray {
  image: unknown;
  tooltip = '';
  template: MenuItemConstructorOptions[] = [];
  destroyed = false;
  constructor(image: unknown) {
    this.image = image;
  }
  setImage(image: unknown): void {
    this.image = image;
  }
  setToolTip(text: string): void {
    this.tooltip = text;
  }
  setContextMenu(menu: { template: MenuItemConstructorOptions[] }): void {
    this.template = menu.template;
  }
  destroy(): void {
    this.destroyed = true;
  }
}

/** Tray + Menu.buildFromTemplate + nativeImage.createFromPath, as the tray module is given them. */
export function fakeTrayDeps() {
  const trays: FakeTray[] = [];
  return {
    trays,
    createTray: (icon: NativeImage): Tray => {
      const tray = new FakeTray(icon);
      trays.push(tray);
      return tray as unknown as Tray;
    },
    buildMenu: (template: MenuItemConstructorOptions[]): Menu => ({ template }) as unknown as Menu,
    loadImage: (path: string): NativeImage => ({ path }) as unknown as NativeImage,
  };
}
