// Finding the Electron binary without requiring the electron package (which would try to download it).
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { findElectronBinary } from '../../scripts/electron-binary.js';

const roots: string[] = [];
function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'countersign-electron-'));
  roots.push(root);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(root, path, '..'), { recursive: true });
    writeFileSync(join(root, path), content);
  }
  return root;
}
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

describe('findElectronBinary', () => {
  it('says the binary was never downloaded when path.txt is absent (as on this machine)', () => {
    const root = project({ 'node_modules/electron/package.json': '{}' });
    const found = findElectronBinary(root, {});
    expect(found).toMatchObject({ found: false });
    if (!found.found) expect(found.reason).toContain('never downloaded');
  });

  it('finds the binary path.txt names', () => {
    const root = project({
      'node_modules/electron/package.json': '{}',
      'node_modules/electron/path.txt': 'electron',
      'node_modules/electron/dist/electron': '',
    });
    expect(findElectronBinary(root, {})).toEqual({
      found: true,
      path: join(root, 'node_modules/electron/dist/electron'),
    });
  });

  it('reports a path.txt whose binary is gone', () => {
    const root = project({ 'node_modules/electron/package.json': '{}', 'node_modules/electron/path.txt': 'electron' });
    expect(findElectronBinary(root, {})).toMatchObject({ found: false });
  });

  it('honours ELECTRON_OVERRIDE_DIST_PATH like the electron package', () => {
    const root = project({ 'node_modules/electron/package.json': '{}', 'elsewhere/electron': '' });
    expect(findElectronBinary(root, { ELECTRON_OVERRIDE_DIST_PATH: join(root, 'elsewhere') })).toMatchObject({
      found: true,
    });
  });
});
