// The app settings the renderer can read and change: start at login, platform and version.
// macOS and Windows keep login items through app.setLoginItemSettings; Linux has no such API in Electron, so
// there the XDG autostart entry (~/.config/autostart/countersign.desktop) is written or removed instead.
import { existsSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { App } from 'electron';
import type { Settings } from '../../ipc/contract.js';

export type LoginItemApp = Pick<App, 'getLoginItemSettings' | 'setLoginItemSettings' | 'getVersion'>;

export interface LoginItemStore {
  get(): boolean;
  set(enabled: boolean): void;
}

/** Quotes an argument for the Exec key of a desktop entry (freedesktop Desktop Entry spec, "Exec key"). */
function desktopExecArg(arg: string): string {
  // '%' starts a field code in Exec, so a literal one is doubled, quoted or not.
  const literal = arg.replaceAll('%', '%%');
  return /^[A-Za-z0-9_./:-]+$/.test(literal) ? literal : `"${literal.replace(/(["`$\\])/g, '\\$1')}"`;
}

export function xdgAutostart(configHome: string, command: readonly string[]): LoginItemStore {
  const file = join(configHome, 'autostart', 'countersign.desktop');
  return {
    get: () => existsSync(file),
    set(enabled) {
      if (!enabled) {
        rmSync(file, { force: true });
        return;
      }
      mkdirSync(join(configHome, 'autostart'), { recursive: true });
      const entry = [
        '[Desktop Entry]',
        'Type=Application',
        'Name=Countersign',
        'Comment=Approve or block API sessions',
        `Exec=${command.map(desktopExecArg).join(' ')}`,
        'Terminal=false',
        'X-GNOME-Autostart-enabled=true',
        '',
      ].join('\n');
      writeFileSync(file, entry, { mode: 0o644 });
    },
  };
}

export function electronLoginItem(app: LoginItemApp): LoginItemStore {
  return {
    get: () => app.getLoginItemSettings().openAtLogin,
    set: (enabled) => app.setLoginItemSettings({ openAtLogin: enabled }),
  };
}

export function createSettingsActions(store: LoginItemStore, info: { platform: string; version: string }) {
  const getSettings = (): Settings => ({ startAtLogin: store.get(), platform: info.platform, version: info.version });
  return {
    getSettings,
    setStartAtLogin(enabled: boolean): Settings {
      store.set(enabled);
      return getSettings();
    },
  };
}
