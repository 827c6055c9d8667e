// The packaging dry run (scripts/package-check.ts): electron-builder packs `--linux dir` from electron-builder.yml
// for real — file set, app.asar, unpacked native modules, fuses — with a stub Electron distribution in place of the
// download this machine cannot make. What the package holds is read back from the archive itself.
import { describe, expect, it } from 'vitest';
import { missingDependencies, type PackageReport, packageCheck, packageProblems } from '../../scripts/package-check.js';

let report: PackageReport | null = null;
async function packaged(): Promise<PackageReport> {
  report ??= await packageCheck();
  return report;
}

describe('the packaged app (electron-builder --linux dir, stub Electron)', () => {
  it('holds the preload, the renderer bundle and the main bundle, and nothing from test/, bench/ or dist/node', async () => {
    const { asarFiles, unpackedFiles, problems } = await packaged();
    expect(problems).toEqual([]);
    expect(asarFiles).toEqual(
      expect.arrayContaining([
        'package.json',
        'dist/main/index.js',
        'dist/preload/index.cjs',
        'dist/renderer/index.html',
        'resources/icon.png',
      ]),
    );
    expect(asarFiles.filter((f) => /^dist\/renderer\/assets\/index-.+\.(js|css)$/.test(f))).toHaveLength(2);
    const all = [...asarFiles, ...unpackedFiles];
    expect(all.filter((f) => /^(test|bench|dist\/node|server|client|main|renderer|scripts)\//.test(f))).toEqual([]);
  }, 120_000);

  it('keeps the native modules outside app.asar, and ships only the modules the main bundle leaves external', async () => {
    const { asarFiles, unpackedFiles, modules } = await packaged();
    expect(unpackedFiles).toEqual(
      expect.arrayContaining([
        'node_modules/keytar/build/Release/keytar.node',
        'node_modules/better-sqlite3/prebuilds/linux-x64.node',
        'node_modules/keytar/package.json',
        'node_modules/better-sqlite3/package.json',
      ]),
    );
    expect(asarFiles.filter((f) => f.endsWith('.node'))).toEqual([]);
    // node-notifier's helpers must be real files too; its JavaScript may stay in the archive.
    expect(unpackedFiles.some((f) => f.startsWith('node_modules/node-notifier/vendor/'))).toBe(true);
    // Everything else (fastify, pg, react, zod, ws…) is bundled into dist/main or belongs to the server.
    expect(modules).toEqual([
      'better-sqlite3',
      'growly',
      'is-docker',
      'is-wsl',
      'isexe',
      'keytar',
      'node-addon-api',
      'node-notifier',
      'semver',
      'shellwords',
      'uuid',
      'which',
    ]);
  }, 120_000);

  it('flips the fuses electron-builder.yml asks for in the packaged binary', async () => {
    expect((await packaged()).fuses).toEqual({
      RunAsNode: false,
      EnableCookieEncryption: true,
      EnableNodeOptionsEnvironmentVariable: false,
      EnableNodeCliInspectArguments: false,
      EnableEmbeddedAsarIntegrityValidation: true,
      OnlyLoadAppFromAsar: true,
      // Not configured: Electron's default stays.
      LoadBrowserProcessSpecificV8Snapshot: false,
      GrantFileProtocolExtraPrivileges: false,
    });
  }, 120_000);

  it('the check fails for a package that lacks a part, holds a test, or keeps native code in the archive', async () => {
    const good = await packaged();
    const broken = {
      ...good,
      asarFiles: [
        ...good.asarFiles.filter((f) => f !== 'dist/preload/index.cjs' && !f.startsWith('dist/renderer/assets/')),
        'test/e2e/a11y.spec.ts',
        'bench/run.ts',
        'dist/node/server/app.js',
        'node_modules/keytar/build/Release/keytar.node',
      ],
      unpackedFiles: good.unpackedFiles.filter(
        (f) => !f.startsWith('node_modules/keytar/build/') && !f.startsWith('node_modules/which/'),
      ),
      fuses: { ...good.fuses, RunAsNode: true },
    };
    expect(packageProblems(broken)).toEqual(
      expect.arrayContaining([
        'app.asar lacks dist/preload/index.cjs',
        'app.asar lacks the renderer bundle (dist/renderer/assets/index-*.js)',
        'node_modules/keytar/build/Release/keytar.node is inside app.asar, where it cannot be loaded',
        'app.asar.unpacked lacks node_modules/keytar/build/Release/keytar.node',
        'the package holds test/e2e/a11y.spec.ts (sources, tests or tools)',
        'the package holds bench/run.ts (sources, tests or tools)',
        "the package holds dist/node/server/app.js (the server's build)",
        'the packaged binary still runs as Node, reads NODE_OPTIONS or takes --inspect',
      ]),
    );
    // A run-time dependency of a shipped module left out of the file set is named.
    const withoutWhich = {
      asarFiles: good.asarFiles.filter((f) => !f.startsWith('node_modules/which/')),
      unpackedFiles: good.unpackedFiles,
    };
    expect(missingDependencies(withoutWhich, '/nonexistent')).toEqual(['which (required by node-notifier)']);
  }, 120_000);
});
