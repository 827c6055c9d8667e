// electron-builder.yml is checked by electron-builder's own loader and schema, without building or downloading.
import { join } from 'node:path';
import { getConfig, validateConfiguration } from 'app-builder-lib/out/util/config/config.js';
import { DebugLogger } from 'builder-util';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

describe('electron-builder.yml', () => {
  it('passes electron-builder validation with the hardening the design asks for', async () => {
    const config = await getConfig(ROOT, join(ROOT, 'electron-builder.yml'), null);
    await validateConfiguration(config, new DebugLogger(false));

    expect(config.appId).toBe('eu.countersign.approver');
    expect(config.productName).toBe('Countersign');
    expect(config.electronFuses).toMatchObject({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
    });
    expect(config.asarUnpack).toEqual(
      expect.arrayContaining([
        'node_modules/keytar/**',
        'node_modules/better-sqlite3/**',
        'node_modules/node-notifier/vendor/**',
      ]),
    );
    expect(config.protocols).toEqual([{ name: 'Countersign pairing link', schemes: ['countersign'] }]);
    expect(config.linux?.target).toEqual(['AppImage', 'deb']);
    expect(config.mac?.target).toEqual(['dmg']);
    expect(config.win?.target).toEqual(['nsis']);
    // getConfig normalises `files` into one filter set.
    expect(config.files).toEqual([
      {
        filter: [
          'dist/main/**',
          'dist/preload/**',
          'dist/renderer/**',
          'resources/*.png',
          'package.json',
          '!node_modules/@ip-location-db/**',
          '!node_modules/mmdb-lib/**',
        ],
      },
    ]);
  });

  it('is refused by the same validation when a key is wrong (the check can fail)', async () => {
    const config = await getConfig(ROOT, join(ROOT, 'electron-builder.yml'), null);
    await expect(
      validateConfiguration({ ...config, electronFuses: { runAsNode: 'no' } } as never, new DebugLogger(false)),
    ).rejects.toThrow(/electronFuses/);
  });
});
