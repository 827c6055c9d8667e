// node-notifier's helper programs must run from app.asar.unpacked in a packaged app.
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { notifierHelperPath, unpackedPath } from '../../main/shell/platform-notifier.js';

const PACKAGED = '/Applications/Countersign.app/Contents/Resources/app.asar/node_modules/node-notifier';

describe('platform notifier', () => {
  it('points macOS and Windows at the unpacked helper, Linux at notify-send', () => {
    expect(unpackedPath(notifierHelperPath('darwin', 'arm64', PACKAGED)!)).toBe(
      '/Applications/Countersign.app/Contents/Resources/app.asar.unpacked/node_modules/node-notifier/vendor/' +
        'mac.noindex/terminal-notifier.app/Contents/MacOS/terminal-notifier',
    );
    expect(notifierHelperPath('win32', 'x64', 'C:\\app')).toBe(
      join('C:\\app', 'vendor', 'snoreToast', 'snoretoast-x64.exe'),
    );
    expect(notifierHelperPath('win32', 'ia32', 'C:\\app')).toBe(
      join('C:\\app', 'vendor', 'snoreToast', 'snoretoast-x86.exe'),
    );
    expect(notifierHelperPath('linux', 'x64', PACKAGED)).toBeNull();
  });

  it('leaves paths outside a package alone, and rewrites only the app.asar directory', () => {
    expect(unpackedPath('/home/dev/countersign/node_modules/node-notifier/vendor/x')).toBe(
      '/home/dev/countersign/node_modules/node-notifier/vendor/x',
    );
    expect(unpackedPath('C:\\Countersign\\resources\\app.asar\\node_modules\\x')).toBe(
      'C:\\Countersign\\resources\\app.asar.unpacked\\node_modules\\x',
    );
    expect(unpackedPath('/opt/app.asar.unpacked/x')).toBe('/opt/app.asar.unpacked/x');
  });

  it('names helpers that exist in the installed node-notifier', async () => {
    const { existsSync } = await import('node:fs');
    const dir = join(import.meta.dirname, '..', '..', 'node_modules', 'node-notifier');
    expect(existsSync(notifierHelperPath('darwin', 'x64', dir)!)).toBe(true);
    expect(existsSync(notifierHelperPath('win32', 'x64', dir)!)).toBe(true);
    expect(existsSync(notifierHelperPath('win32', 'ia32', dir)!)).toBe(true);
  });
});
