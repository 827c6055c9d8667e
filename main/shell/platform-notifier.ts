// Picks node-notifier's helper for the platform. On macOS and Windows node-notifier runs a bundled helper program
// by path (terminal-notifier, SnoreToast); in a packaged app its own path points inside app.asar, where nothing can
// be executed, so the helper is pointed at the copy electron-builder unpacks (asarUnpack in electron-builder.yml).
// On Linux it runs the system's notify-send.
import { dirname, join } from 'node:path';
import notifier from 'node-notifier';
import type { NodeNotifierLike } from './notifications.js';

/** The same path with the first app.asar directory replaced by app.asar.unpacked (unchanged outside a package). */
export function unpackedPath(path: string): string {
  return path.replace(/([\\/])app\.asar([\\/])/, '$1app.asar.unpacked$2');
}

/** The helper program node-notifier needs on this platform, or null where it uses a system command. */
export function notifierHelperPath(platform: NodeJS.Platform, arch: string, nodeNotifierDir: string): string | null {
  if (platform === 'darwin')
    return join(
      nodeNotifierDir,
      'vendor',
      'mac.noindex',
      'terminal-notifier.app',
      'Contents',
      'MacOS',
      'terminal-notifier',
    );
  if (platform === 'win32')
    return join(nodeNotifierDir, 'vendor', 'snoreToast', `snoretoast-${arch === 'ia32' ? 'x86' : 'x64'}.exe`);
  return null;
}

export function platformNotifier(platform: NodeJS.Platform, arch: string, nodeNotifierEntry: string): NodeNotifierLike {
  const helper = notifierHelperPath(platform, arch, dirname(nodeNotifierEntry));
  if (helper === null) return notifier;
  const customPath = unpackedPath(helper);
  return platform === 'darwin'
    ? new notifier.NotificationCenter({ customPath })
    : new notifier.WindowsToaster({ customPath });
}
