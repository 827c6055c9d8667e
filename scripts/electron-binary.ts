// Where the Electron binary is, found the way the `electron` package finds it (node_modules/electron/path.txt,
// written by its download step) but without requiring that package: its index.js starts a download when the
// binary is missing, and downloads are blocked on the build machines. Used by `npm start` and the Electron smoke test.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export type ElectronBinary = { found: true; path: string } | { found: false; reason: string };

export function findElectronBinary(projectRoot: string, env: NodeJS.ProcessEnv = process.env): ElectronBinary {
  const packageDir = join(projectRoot, 'node_modules', 'electron');
  if (!existsSync(join(packageDir, 'package.json')))
    return { found: false, reason: 'the electron package is not installed (run npm ci)' };
  const pathFile = join(packageDir, 'path.txt');
  const relative = existsSync(pathFile) ? readFileSync(pathFile, 'utf8').trim() : null;
  // Same override as the electron package: a directory holding an Electron build made or fetched elsewhere.
  const override = env.ELECTRON_OVERRIDE_DIST_PATH;
  if (override) {
    const path = join(override, relative ?? (process.platform === 'win32' ? 'electron.exe' : 'electron'));
    return existsSync(path)
      ? { found: true, path }
      : { found: false, reason: `ELECTRON_OVERRIDE_DIST_PATH is set but ${path} does not exist` };
  }
  if (relative === null)
    return {
      found: false,
      reason:
        'node_modules/electron/path.txt is absent: the Electron binary was never downloaded ' +
        '(the download is blocked on this machine, or ELECTRON_SKIP_BINARY_DOWNLOAD was set)',
    };
  const path = join(packageDir, 'dist', relative);
  return existsSync(path) ? { found: true, path } : { found: false, reason: `${path} does not exist` };
}
