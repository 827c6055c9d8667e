// Who may call the IPC handlers: only the top frame of a window this app created, showing a page of our bundle.
// Pure, so the rule is unit-tested; register.ts feeds it Electron's event.sender and event.senderFrame (the
// shape of Electron Fiddle's src/main/ipc.ts, which drops IPC from senders that are not its windows).
import { isAppUrl } from './app-origin.js';

export interface SenderFacts {
  /** webContents.id of the sender. */
  webContentsId: number;
  /** URL of the frame that sent the message; null when the frame is gone (navigated or destroyed). */
  frameUrl: string | null;
  /** False for an iframe inside the page: our pages have none, so a subframe is never us. */
  isTopFrame: boolean;
}

export function isOwnSender(sender: SenderFacts, ownWebContentsIds: ReadonlySet<number>): boolean {
  return ownWebContentsIds.has(sender.webContentsId) && sender.isTopFrame && isAppUrl(sender.frameUrl);
}
