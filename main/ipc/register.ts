// Binds the schema to Electron's ipcMain: a handler per invoke channel (ipcMain.handle) and a listener per one-way
// renderer → main channel (ipcMain.on). Every message first passes the sender check: only the top frame of one of
// our own windows, showing our bundle, is answered or heard (Electron Fiddle's src/main/ipc.ts does the same).
import type { IpcMain, IpcMainEvent, IpcMainInvokeEvent } from 'electron';
import { invokeChannels, type NotifyMainChannel, notifyMainChannels } from '../../ipc/contract.js';
import type { Result } from '../core/api.js';
import type { SenderFacts } from '../shell/sender-check.js';
import type { IpcHandlers } from './handlers.js';

export const REFUSED_SENDER: Result<never> = {
  ok: false,
  error: { code: 'INVALID_INPUT', message: 'refused: unknown sender' },
};

export function senderFacts(event: Pick<IpcMainInvokeEvent, 'sender' | 'senderFrame'>): SenderFacts {
  // senderFrame is null once the frame navigated away or was destroyed; such a message is never ours.
  const frame = event.senderFrame;
  return { webContentsId: event.sender.id, frameUrl: frame?.url ?? null, isTopFrame: frame?.parent === null };
}

/** What main does when a page sends a one-way message; told which webContents sent it. */
export type MainListeners = { [C in NotifyMainChannel]: (webContentsId: number) => void };

export type IpcMainLike = Pick<IpcMain, 'handle' | 'removeHandler' | 'on' | 'removeListener'>;

/** Registers every channel of the schema; returns a function that removes them all (on quit). */
export function registerIpcHandlers(
  ipcMain: IpcMainLike,
  handlers: IpcHandlers,
  listeners: MainListeners,
  isOwnSender: (sender: SenderFacts) => boolean,
): () => void {
  for (const channel of invokeChannels) {
    const handler = handlers[channel];
    ipcMain.handle(channel, (event, ...args: unknown[]) =>
      isOwnSender(senderFacts(event)) ? handler(...args) : Promise.resolve(REFUSED_SENDER),
    );
  }
  const bound = notifyMainChannels.map((channel) => {
    const listener = (event: IpcMainEvent) => {
      const facts = senderFacts(event);
      if (isOwnSender(facts)) listeners[channel](facts.webContentsId);
    };
    ipcMain.on(channel, listener);
    return { channel, listener };
  });
  return () => {
    for (const channel of invokeChannels) ipcMain.removeHandler(channel);
    for (const { channel, listener } of bound) ipcMain.removeListener(channel, listener);
  };
}
