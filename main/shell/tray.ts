// The tray icon and its menu: renders buildTrayMenu's data with Electron and sends clicks back as actions.
import { join } from 'node:path';
import type { Menu, MenuItemConstructorOptions, NativeImage, Tray } from 'electron';
import {
  buildTrayMenu,
  type TrayAction,
  type TrayMenuItem,
  type TrayState,
  trayIcon,
  trayTooltip,
} from './tray-menu.js';

export interface TrayDeps {
  createTray(icon: NativeImage): Tray;
  buildMenu(template: MenuItemConstructorOptions[]): Menu;
  loadImage(path: string): NativeImage;
  /** resources/ of the app: the tray-*.png files (with @2x variants Electron picks by itself). */
  iconDir: string;
  platform: NodeJS.Platform;
  dispatch(action: TrayAction): void;
}

/** Electron's labels treat '&' as a mnemonic marker on Windows and Linux; a key named "R&D" must show as is. */
function escapeLabel(label: string, platform: NodeJS.Platform): string {
  return platform === 'darwin' ? label : label.replaceAll('&', '&&');
}

export function toMenuTemplate(
  items: TrayMenuItem[],
  dispatch: (action: TrayAction) => void,
  platform: NodeJS.Platform,
): MenuItemConstructorOptions[] {
  return items.map((item): MenuItemConstructorOptions => {
    if (item.kind === 'separator') return { type: 'separator' };
    const label = escapeLabel(item.label, platform);
    if (item.kind === 'label') return { label, enabled: false };
    const click = () => dispatch(item.action);
    return item.kind === 'checkbox' ? { type: 'checkbox', label, checked: item.checked, click } : { label, click };
  });
}

export interface AppTray {
  update(state: TrayState): void;
  destroy(): void;
}

export function createAppTray(deps: TrayDeps, initial: TrayState): AppTray {
  const image = (state: TrayState) => deps.loadImage(join(deps.iconDir, `${trayIcon(state)}.png`));
  const tray = deps.createTray(image(initial));
  const render = (state: TrayState) => {
    tray.setImage(image(state));
    tray.setToolTip(trayTooltip(state));
    tray.setContextMenu(deps.buildMenu(toMenuTemplate(buildTrayMenu(state), deps.dispatch, deps.platform)));
  };
  render(initial);
  return {
    update: render,
    destroy: () => tray.destroy(),
  };
}
