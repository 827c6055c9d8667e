// Keeps every window on our bundle: no new windows, no navigation or redirects away, no <webview>, and no
// permission (camera, notifications, geolocation, …) granted to page content. Everything a page needs goes
// through the IPC contract instead.
import type { Session, WebContents } from 'electron';
import { isAppUrl } from './app-origin.js';

type Preventable = { preventDefault(): void };

export function hardenWebContents(contents: WebContents): void {
  contents.setWindowOpenHandler(() => ({ action: 'deny' }));
  // Hash routes are in-page navigations and never fire these; any real navigation is refused, even to our own
  // origin, because the pages never need one.
  contents.on('will-navigate', (event: Preventable) => event.preventDefault());
  contents.on('will-frame-navigate', (event: Preventable) => event.preventDefault());
  contents.on('will-redirect', (event: Preventable) => event.preventDefault());
  contents.on('will-attach-webview', (event: Preventable) => event.preventDefault());
}

/** Requests a page may make: only our bundle and inline data: images (the CSP says the same). */
export function isAllowedRequestUrl(url: string): boolean {
  return isAppUrl(url) || url.startsWith('data:') || url.startsWith('devtools://');
}

export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, _permission, callback) => callback(false));
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.webRequest.onBeforeRequest((details, callback) => callback({ cancel: !isAllowedRequestUrl(details.url) }));
}
