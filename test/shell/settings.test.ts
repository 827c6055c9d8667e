// Start at login: Electron's login items on macOS/Windows, an XDG autostart entry on Linux (real files here).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createSettingsActions, xdgAutostart } from '../../main/shell/settings.js';

const dirs: string[] = [];
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('settings', () => {
  it('writes and removes the XDG autostart entry, quoting the command', () => {
    const configHome = mkdtempSync(join(tmpdir(), 'countersign-xdg-'));
    dirs.push(configHome);
    const settings = createSettingsActions(
      xdgAutostart(configHome, ['/opt/Count ersign/countersign', '--label=100%']),
      {
        platform: 'linux',
        version: '0.1.0',
      },
    );
    expect(settings.getSettings()).toEqual({ startAtLogin: false, platform: 'linux', version: '0.1.0' });

    expect(settings.setStartAtLogin(true)).toEqual({ startAtLogin: true, platform: 'linux', version: '0.1.0' });
    const entry = readFileSync(join(configHome, 'autostart', 'countersign.desktop'), 'utf8');
    expect(entry).toContain('[Desktop Entry]\nType=Application\nName=Countersign\n');
    expect(entry).toContain('Exec="/opt/Count ersign/countersign" "--label=100%%"\n');

    expect(settings.setStartAtLogin(false).startAtLogin).toBe(false);
    expect(settings.setStartAtLogin(false).startAtLogin).toBe(false);
  });
});
