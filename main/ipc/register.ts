// Binds the contract handlers to Electron's ipcMain. Every call first passes the sender check: only the top frame of
// one of our own windows, showing our bundle, is answered (Electron Fiddle's src/main/ipc.ts does the same).
import type { IpcMain, IpcMainInvokeEvent } from 'electron';
import { type InvokeChannel, invokeChannels } from '../../ipc/contract.js';
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

/** Registers a handler per contract channel; returns a function that removes them all (on quit). */
export function registerIpcHandlers(
  ipcMain: Pick<IpcMain, 'handle' | 'removeHandler'>,
  handlers: IpcHandlers,
  isOwnSender: (sender: SenderFacts) => boolean,
): () => void {
  const channels = Object.keys(invokeChannels) as InvokeChannel[];
  for (const channel of channels) {
    const handler = handlers[channel];
    ipcMain.handle(channel, (event, ...args: unknown[]) =>
      isOwnSender(senderFacts(event)) ? handler(...args) : Promise.resolve(REFUSED_SENDER),
    );
  }
  return () => {
    for (const channel of channels) ipcMain.removeHandler(channel);
  };
}
