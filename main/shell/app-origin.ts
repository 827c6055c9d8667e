// Where the renderer bundle lives: a privileged custom scheme served from the app's own files (dist/renderer).
// A custom scheme rather than file:// because Chromium refuses ES-module scripts from file:// and because one
// fixed origin lets the shell recognise its own pages (navigation guard, IPC sender check) by URL.
import { routeHash, type View, type ViewParams } from '../../ipc/contract.js';

export const APP_SCHEME = 'app';
export const APP_HOST = 'countersign';
export const APP_ORIGIN = `${APP_SCHEME}://${APP_HOST}`;

/**
 * The page for a view: one renderer bundle, the view chosen by the URL hash, its parameters as a query string in
 * the hash (`#keys?accountId=a1&credentialId=7`) so they never reach the protocol handler.
 */
export function viewUrl(view: View, params: ViewParams = {}): string {
  return `${APP_ORIGIN}/index.html${routeHash({ view, ...params })}`;
}

/**
 * True when the URL is a page of our bundle. WHATWG URL gives non-special schemes an opaque origin ("null"), so the
 * scheme and host are compared instead of `origin`.
 */
export function isAppUrl(url: string | null | undefined): boolean {
  if (!url) return false;
  try {
    const parsed = new URL(url);
    return (
      parsed.protocol === `${APP_SCHEME}:` &&
      parsed.host === APP_HOST &&
      parsed.username === '' &&
      parsed.password === ''
    );
  } catch {
    return false;
  }
}
