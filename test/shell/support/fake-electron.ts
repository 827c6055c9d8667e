// FAKE ELECTRON MODULE — the one fake of the shell tests, at the boundary we cannot cross on this machine (no
// Electron binary). It records what the shell asks of app, BrowserWindow, webContents, ipcMain, Tray, Menu, dialog,
// protocol and sessions, and lets a test fire the events Electron would fire. Where Electron is strict the fake is
// too: a destroyed window, webContents or tray throws when used, app.quit() closes every window first and is
// cancelled when one refuses, and 'will-quit' can be prevented. Everything behind the boundary (the shell's own
// logic) runs for real. Casts to Electron's types happen here only.
import type {
  App,
  Dialog,
  MessageBoxOptions,
  MessageBoxReturnValue,
  Protocol,
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

/** What Electron throws when a destroyed native object is used. */
const destroyedError = () => new TypeError('Object has been destroyed');

export class FakeWebContents extends FakeEmitter {
  readonly id = nextWebContentsId++;
  readonly sent: Array<{ channel: string; payload: unknown }> = [];
  windowOpenHandler: ((details: { url: string }) => { action: string }) | null = null;
  destroyed = false;
  send(channel: string, payload: unknown): void {
    if (this.destroyed) throw destroyedError();
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
  /** As Electron: the navigation commits ('did-navigate'), then the promise settles once the page has loaded. */
  async loadURL(url: string): Promise<void> {
    this.alive();
    this.loadedUrl = url;
    this.webContents.fire('did-navigate', url);
  }
  private alive(): void {
    if (this.destroyed) throw destroyedError();
  }
  show(): void {
    this.alive();
    this.calls.push('show');
    this.visible = true;
  }
  showInactive(): void {
    this.alive();
    this.calls.push('showInactive');
    this.visible = true;
  }
  hide(): void {
    this.alive();
    this.calls.push('hide');
    this.visible = false;
  }
  focus(): void {
    this.alive();
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
    this.alive();
    this.alwaysOnTop = flag;
  }
  /** As Electron: 'close' can be prevented; otherwise the window is destroyed and 'closed' follows. */
  close(): void {
    this.alive();
    if (this.fire('close')) return;
    this.destroyed = true;
    this.webContents.destroyed = true;
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

export class FakeIpcMain extends FakeEmitter {
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
  /** A one-way message (ipcRenderer.send) from the given sender. */
  sendFromRenderer(channel: string, sender: FakeSender, ...args: unknown[]): void {
    for (const listener of this.listeners.get(channel) ?? []) listener(sender.event(), ...args);
  }
  asElectron(): Pick<IpcMain, 'handle' | 'removeHandler' | 'on' | 'removeListener'> {
    return this as unknown as Pick<IpcMain, 'handle' | 'removeHandler' | 'on' | 'removeListener'>;
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
  readonly sentToMain: string[] = [];
  invoke(channel: string, ...args: unknown[]): Promise<unknown> {
    this.invoked.push({ channel, args });
    return this.answer(channel, args);
  }
  send(channel: string, ...args: unknown[]): void {
    this.sentToMain.push(args.length ? `${channel} ${JSON.stringify(args)}` : channel);
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
  private alive(): void {
    if (this.destroyed) throw destroyedError();
  }
  setImage(image: unknown): void {
    this.alive();
    this.image = image;
  }
  setToolTip(text: string): void {
    this.alive();
    this.tooltip = text;
  }
  setContextMenu(menu: { template: MenuItemConstructorOptions[] }): void {
    this.alive();
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

/** Electron's app: paths, the single-instance lock, ready, and the quit sequence with its preventable events. */
export class FakeApp extends FakeEmitter {
  singleInstanceLock = true;
  isPackaged = false;
  readonly dock = undefined;
  readonly protocolClients: unknown[][] = [];
  readonly userPaths = new Map<string, string>();
  quitRequests = 0;
  /** Set when the quit sequence ran to its end ('quit' fired). */
  quitted = false;
  exitCode: number | null = null;
  isReady = false;
  private loginItem = false;
  private markReady: () => void = () => {};
  private readonly ready = new Promise<void>((resolve) => {
    this.markReady = resolve;
  });
  constructor(
    private readonly options: { appPath: string; userData: string; home: string; windows: () => FakeBrowserWindow[] },
  ) {
    super();
  }
  requestSingleInstanceLock(): boolean {
    return this.singleInstanceLock;
  }
  whenReady(): Promise<void> {
    return this.ready;
  }
  /** Electron finished initialising. */
  becomeReady(): void {
    this.isReady = true;
    this.fire('ready');
    this.markReady();
  }
  setPath(name: string, path: string): void {
    this.userPaths.set(name, path);
  }
  getPath(name: string): string {
    const set = this.userPaths.get(name);
    if (set) return set;
    if (name === 'userData') return this.options.userData;
    if (name === 'home') return this.options.home;
    throw new Error(`FakeApp.getPath: no path for ${name}`);
  }
  getAppPath(): string {
    return this.options.appPath;
  }
  getVersion(): string {
    return '0.1.0';
  }
  setAsDefaultProtocolClient(...args: unknown[]): boolean {
    this.protocolClients.push(args);
    return true;
  }
  setAppUserModelId(): void {}
  getLoginItemSettings(): { openAtLogin: boolean } {
    return { openAtLogin: this.loginItem };
  }
  setLoginItemSettings(settings: { openAtLogin: boolean }): void {
    this.loginItem = settings.openAtLogin;
  }
  /**
   * As Electron: 'before-quit', then every window is asked to close (one that refuses cancels the quit), then
   * 'will-quit' (preventable), then 'quit'.
   */
  quit(): void {
    if (this.quitted || this.exitCode !== null) return;
    this.quitRequests++;
    if (this.fire('before-quit')) return;
    for (const window of this.options.windows()) {
      if (window.destroyed) continue;
      window.close();
      if (!window.destroyed) return;
    }
    if (this.fire('will-quit')) return;
    this.quitted = true;
    this.fire('quit');
  }
  /** As Electron: ends at once, no events. */
  exit(code = 0): void {
    this.exitCode = code;
  }
  asElectron(): App {
    return this as unknown as App;
  }
}

/** dialog: records every box; message boxes are answered by `answer` (the button index the user picks). */
export class FakeDialog {
  readonly messageBoxes: MessageBoxOptions[] = [];
  readonly errorBoxes: Array<{ title: string; content: string }> = [];
  answer: (options: MessageBoxOptions) => number = () => 0;
  async showMessageBox(options: MessageBoxOptions): Promise<MessageBoxReturnValue> {
    this.messageBoxes.push(options);
    return { response: this.answer(options), checkboxChecked: false };
  }
  showErrorBox(title: string, content: string): void {
    this.errorBoxes.push({ title, content });
  }
  asElectron(): Pick<Dialog, 'showMessageBox' | 'showErrorBox'> {
    return this as unknown as Pick<Dialog, 'showMessageBox' | 'showErrorBox'>;
  }
}

/** protocol: as Electron, privileged schemes can only be registered before the app is ready. */
export class FakeProtocol {
  readonly privileged: unknown[] = [];
  readonly handlers = new Map<string, (request: Request) => Promise<Response> | Response>();
  constructor(private readonly app: FakeApp) {}
  registerSchemesAsPrivileged(schemes: unknown[]): void {
    if (this.app.isReady) throw new Error('protocol.registerSchemesAsPrivileged must be called before app is ready');
    this.privileged.push(...schemes);
  }
  handle(scheme: string, handler: (request: Request) => Promise<Response> | Response): void {
    if (!this.app.isReady) throw new Error('protocol.handle must be called after app is ready');
    this.handlers.set(scheme, handler);
  }
  asElectron(): Pick<Protocol, 'registerSchemesAsPrivileged' | 'handle'> {
    return this as unknown as Pick<Protocol, 'registerSchemesAsPrivileged' | 'handle'>;
  }
}

/**
 * The whole fake Electron module as main/app.ts takes it, its parts tied together as in Electron: every window
 * made fires the app's 'web-contents-created', and app.quit() closes the windows.
 */
export function fakeElectron(paths: { appPath: string; userData: string; home: string }) {
  const windows: FakeBrowserWindow[] = [];
  const trays: FakeTray[] = [];
  const app = new FakeApp({ ...paths, windows: () => windows });
  class BrowserWindow extends FakeBrowserWindow {
    constructor(options: BrowserWindowConstructorOptions) {
      super(options);
      windows.push(this);
      app.fire('web-contents-created', this.webContents);
    }
  }
  class FakeElectronTray extends FakeTray {
    constructor(image: unknown) {
      super(image);
      trays.push(this);
    }
  }
  const dialog = new FakeDialog();
  const protocol = new FakeProtocol(app);
  const ipcMain = new FakeIpcMain();
  const session = new FakeSession();
  const parts = {
    app: app.asElectron(),
    BrowserWindow: BrowserWindow as unknown as new (options: BrowserWindowConstructorOptions) => ElectronBrowserWindow,
    Tray: FakeElectronTray as unknown as new (image: NativeImage) => Tray,
    Menu: { buildFromTemplate: (template: MenuItemConstructorOptions[]) => ({ template }) as unknown as Menu },
    nativeImage: { createFromPath: (path: string) => ({ path }) as unknown as NativeImage },
    ipcMain: ipcMain.asElectron(),
    dialog: dialog.asElectron(),
    protocol: protocol.asElectron(),
    session: { defaultSession: session.asElectron() },
  };
  return { parts, app, windows, trays, dialog, protocol, ipcMain, session };
}
