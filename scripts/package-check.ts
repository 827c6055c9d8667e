// The packaging dry run (`npm run package:check`): electron-builder packs the app for `--linux dir` exactly as a
// release build would — electron-builder.yml loaded and validated, the file set filtered, app.asar written, the
// native modules unpacked beside it, the fuses flipped — with one thing in place of the Electron download: a stub
// Electron distribution (electronDist) whose "binary" is a shell script that runs nothing but carries Electron's
// fuse wire, so the fuse step has something real to flip. The dependency rebuild (npmRebuild) is skipped: it would
// download Electron's headers, and the native modules ship Node-API builds that need none.
//
// It prints a JSON report on stdout (what the package holds) and exits 1 with the problems when the package is
// not what the app needs: the preload, the renderer bundle, the main bundle and every module it leaves external
// (with what those require at run time), the native .node files outside app.asar, and nothing from test/, bench/,
// the sources or the server's dist/node.
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readSync,
  closeSync,
  readdirSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { MAIN_EXTERNALS } from './build-electron.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Electron's fuse sentinel (@electron/fuses), followed by the wire: version 1, then one byte per fuse. */
const FUSE_SENTINEL = 'dL7pKGdnNz796PbbjQWNKmHXBZaB9tsX';
/**
 * Electron 45's fuse defaults, in @electron/fuses' FuseV1Options order: RunAsNode on, cookie encryption off,
 * NODE_OPTIONS on, --inspect on, asar integrity off, only-load-from-asar off, browser V8 snapshot off, file://
 * extra privileges on ('1' = enabled, '0' = disabled).
 */
const STOCK_FUSES = '10110001';
export const FUSE_NAMES = [
  'RunAsNode',
  'EnableCookieEncryption',
  'EnableNodeOptionsEnvironmentVariable',
  'EnableNodeCliInspectArguments',
  'EnableEmbeddedAsarIntegrityValidation',
  'OnlyLoadAppFromAsar',
  'LoadBrowserProcessSpecificV8Snapshot',
  'GrantFileProtocolExtraPrivileges',
] as const;

/** Modules the package carries that the app never loads at run time (install-time helpers of a native module). */
export const INSTALL_TIME_ONLY: Record<string, string> = {
  // keytar's install script fetches a prebuilt binary; the package carries the built one.
  'prebuild-install': 'keytar install step',
};

export interface PackageReport {
  /** Every file inside app.asar, as paths from its root ("dist/main/index.js", "node_modules/keytar/…"). */
  asarFiles: string[];
  /** Every file in app.asar.unpacked, as paths from its root. */
  unpackedFiles: string[];
  /** Top-level modules in the package's node_modules. */
  modules: string[];
  /** The packaged binary's fuses after electron-builder flipped them. */
  fuses: Record<(typeof FUSE_NAMES)[number], boolean>;
  appAsarBytes: number;
  problems: string[];
}

function makeStubElectron(dir: string): void {
  mkdirSync(dir, { recursive: true });
  const wire = String.fromCharCode(1, STOCK_FUSES.length) + STOCK_FUSES;
  const script = `#!/bin/sh\necho "stub Electron of the packaging check: it runs nothing" >&2\nexit 1\n# ${FUSE_SENTINEL}${wire}\n`;
  writeFileSync(join(dir, 'electron'), script, 'latin1');
  chmodSync(join(dir, 'electron'), 0o755);
}

/**
 * The files an asar archive holds (not those it marks as unpacked): its header is a length-prefixed JSON tree after
 * two 32-bit sizes.
 */
export function listAsar(file: string): string[] {
  const fd = openSync(file, 'r');
  try {
    const sizes = Buffer.alloc(16);
    readSync(fd, sizes, 0, 16, 0);
    const jsonLength = sizes.readUInt32LE(12);
    const json = Buffer.alloc(jsonLength);
    readSync(fd, json, 0, jsonLength, 16);
    const files: string[] = [];
    const walk = (node: { files?: Record<string, unknown> }, prefix: string) => {
      for (const [name, child] of Object.entries(node.files ?? {})) {
        const path = prefix ? `${prefix}/${name}` : name;
        if ((child as { files?: unknown }).files) walk(child as { files: Record<string, unknown> }, path);
        // Unpacked files are listed in the header too, marked, with their bytes beside the archive.
        else if (!(child as { unpacked?: boolean }).unpacked) files.push(path);
      }
    };
    walk(JSON.parse(json.toString('utf8')), '');
    return files.sort();
  } finally {
    closeSync(fd);
  }
}

function listTree(dir: string): string[] {
  if (!existsSync(dir)) return [];
  const out: string[] = [];
  const walk = (current: string) => {
    for (const entry of readdirSync(current, { withFileTypes: true })) {
      const path = join(current, entry.name);
      if (entry.isDirectory()) walk(path);
      else out.push(relative(dir, path).split('\\').join('/'));
    }
  };
  walk(dir);
  return out.sort();
}

function readFuses(executable: string): PackageReport['fuses'] {
  const bytes = readFileSync(executable);
  const at = bytes.indexOf(FUSE_SENTINEL) + FUSE_SENTINEL.length;
  const length = bytes[at + 1] ?? 0;
  const states = [...bytes.subarray(at + 2, at + 2 + length)].map((b) => b === '1'.charCodeAt(0));
  return Object.fromEntries(FUSE_NAMES.map((name, i) => [name, states[i] ?? false])) as PackageReport['fuses'];
}

/** What the package lacks or has too much of; empty when it is what the app needs. */
export function packageProblems(report: Omit<PackageReport, 'problems'>): string[] {
  const problems: string[] = [];
  const inAsar = new Set(report.asarFiles);
  const all = new Set([...report.asarFiles, ...report.unpackedFiles]);
  for (const needed of ['package.json', 'dist/main/index.js', 'dist/preload/index.cjs', 'dist/renderer/index.html'])
    if (!inAsar.has(needed)) problems.push(`app.asar lacks ${needed}`);
  const html = report.asarFiles.includes('dist/renderer/index.html');
  if (html && !report.asarFiles.some((f) => /^dist\/renderer\/assets\/index-[^/]+\.js$/.test(f)))
    problems.push('app.asar lacks the renderer bundle (dist/renderer/assets/index-*.js)');
  for (const name of ['icon.png', 'tray-connected.png', 'tray-pending-many.png'])
    if (!inAsar.has(`resources/${name}`)) problems.push(`app.asar lacks resources/${name}`);
  // What the main bundle requires at run time must be there, with its own run-time dependencies.
  for (const external of MAIN_EXTERNALS.filter((m) => m !== 'electron'))
    if (!all.has(`node_modules/${external}/package.json`)) problems.push(`the package lacks ${external}`);
  // Native code cannot be loaded from inside an asar archive.
  for (const file of report.asarFiles.filter((f) => f.endsWith('.node')))
    problems.push(`${file} is inside app.asar, where it cannot be loaded`);
  for (const native of [
    'node_modules/keytar/build/Release/keytar.node',
    'node_modules/better-sqlite3/prebuilds/linux-x64.node',
  ])
    if (!report.unpackedFiles.includes(native)) problems.push(`app.asar.unpacked lacks ${native}`);
  for (const file of all) {
    if (/^(test|bench|server|client|protocol|main|preload|renderer|ipc|scripts|docs|gateway|cli|bin)\//.test(file))
      problems.push(`the package holds ${file} (sources, tests or tools)`);
    if (file.startsWith('dist/node/')) problems.push(`the package holds ${file} (the server's build)`);
  }
  const fuses = report.fuses;
  if (fuses.RunAsNode || fuses.EnableNodeOptionsEnvironmentVariable || fuses.EnableNodeCliInspectArguments)
    problems.push('the packaged binary still runs as Node, reads NODE_OPTIONS or takes --inspect');
  if (!fuses.EnableEmbeddedAsarIntegrityValidation || !fuses.OnlyLoadAppFromAsar || !fuses.EnableCookieEncryption)
    problems.push('the packaged binary does not check asar integrity, load only from asar or encrypt cookies');
  if (fuses.GrantFileProtocolExtraPrivileges) problems.push('file:// keeps its extra privileges');
  return problems;
}

/** Run-time dependencies of the shipped modules that are missing from the package (resolved from each module). */
export function missingDependencies(
  report: Pick<PackageReport, 'asarFiles' | 'unpackedFiles'>,
  appDir: string,
): string[] {
  const all = new Set([...report.asarFiles, ...report.unpackedFiles]);
  const manifest = (path: string): { dependencies?: Record<string, string> } | null => {
    for (const base of ['app.asar.unpacked', 'source']) {
      const file = base === 'source' ? join(root, path) : join(appDir, 'resources', base, path);
      if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8'));
    }
    return null;
  };
  const missing = new Set<string>();
  const seen = new Set<string>();
  const visit = (moduleDir: string) => {
    if (seen.has(moduleDir)) return;
    seen.add(moduleDir);
    const pkg = manifest(`${moduleDir}/package.json`);
    for (const dependency of Object.keys(pkg?.dependencies ?? {})) {
      if (INSTALL_TIME_ONLY[dependency]) continue;
      // Node's lookup: the module's own node_modules, then each parent's, up to the top.
      const candidates: string[] = [];
      for (let dir = moduleDir; dir.includes('node_modules'); dir = dir.slice(0, dir.lastIndexOf('/node_modules')))
        candidates.push(`${dir}/node_modules/${dependency}`);
      candidates.push(`node_modules/${dependency}`);
      const found = candidates.find((c) => all.has(`${c}/package.json`));
      if (found) visit(found);
      else missing.add(`${dependency} (required by ${moduleDir.replace(/^node_modules\//, '')})`);
    }
  };
  for (const external of MAIN_EXTERNALS.filter((m) => m !== 'electron')) visit(`node_modules/${external}`);
  return [...missing].sort();
}

export async function packageCheck(options: { build?: boolean } = {}): Promise<PackageReport> {
  if (options.build ?? true) {
    for (const script of ['build:electron', 'build:renderer'])
      execFileSync('npm', ['run', '-s', script], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  }
  const work = mkdtempSync(join(tmpdir(), 'countersign-package-check-'));
  const electronDist = join(work, 'electron-dist');
  const outDir = join(work, 'out');
  makeStubElectron(electronDist);
  try {
    const { build, Platform, Arch } = await import('electron-builder');
    await build({
      projectDir: root,
      targets: Platform.LINUX.createTarget('dir', Arch.x64),
      publish: 'never',
      // Merged over electron-builder.yml: only where the Electron distribution comes from, the skipped rebuild and
      // the output folder differ from a release build.
      config: { electronDist, npmRebuild: false, directories: { output: outDir } },
    });
    const appDir = join(outDir, 'linux-unpacked');
    const executable = join(appDir, 'countersign');
    const resources = join(appDir, 'resources');
    const asarFiles = listAsar(join(resources, 'app.asar'));
    const unpackedFiles = listTree(join(resources, 'app.asar.unpacked'));
    const modules = [
      ...new Set(
        [...asarFiles, ...unpackedFiles]
          .map((f) => /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(f)?.[1])
          .filter((m): m is string => m !== undefined),
      ),
    ].sort();
    const partial = {
      asarFiles,
      unpackedFiles,
      modules,
      fuses: readFuses(executable),
      appAsarBytes: statSync(join(resources, 'app.asar')).size,
    };
    const problems = [
      ...packageProblems(partial),
      ...missingDependencies(partial, appDir).map((m) => `the package lacks ${m}`),
    ];
    return { ...partial, problems };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const report = await packageCheck();
  const { asarFiles, unpackedFiles, ...summary } = report;
  console.log(
    JSON.stringify(
      {
        ...summary,
        asarFileCount: asarFiles.length,
        unpackedFileCount: unpackedFiles.length,
        nativeModules: unpackedFiles.filter((f) => f.endsWith('.node')),
      },
      null,
      2,
    ),
  );
  if (report.problems.length > 0) {
    console.error(`package-check: ${report.problems.length} problem(s):\n  ${report.problems.join('\n  ')}`);
    process.exit(1);
  }
  console.error('package-check: the package holds what the app needs and nothing it does not');
}
