// Bundles the Electron main process and the preload with esbuild (`npm run build:electron`).
//
// main → dist/main/index.js, ESM: package.json says "type": "module" and "main": "dist/main/index.js", Electron ≥ 28
// loads an ESM main process, and the project's sources are ESM already, so nothing needs converting. Native and
// path-sensitive modules stay external and load from node_modules at run time: electron (provided by the runtime),
// keytar and better-sqlite3 (native .node files, rebuilt for Electron by electron-builder), node-notifier (runs its
// helper programs from its own vendor/ folder).
//
// preload → dist/preload/index.cjs, CommonJS in one file: a sandboxed preload cannot load ESM nor `require` anything
// but a few Electron modules, so the IPC contract (and zod with it) is bundled in, and the build fails if any other
// `require` is left over.
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { type BuildOptions, build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

// Electron 45 runs Node 24 (since Electron 40) and a Chromium newer than 140; chrome140 is a safe lower bound.
export const MAIN_EXTERNALS = ['electron', 'keytar', 'better-sqlite3', 'node-notifier'];
/** ws's optional native speed-ups: not installed; ws uses its JavaScript code when requiring them fails. */
export const OPTIONAL_EXTERNALS = ['bufferutil', 'utf-8-validate'];

export function mainBuildOptions(projectRoot: string): BuildOptions {
  return {
    entryPoints: [join(projectRoot, 'main', 'index.ts')],
    outfile: join(projectRoot, 'dist', 'main', 'index.js'),
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node24',
    external: [...MAIN_EXTERNALS, ...OPTIONAL_EXTERNALS],
    sourcemap: 'linked',
    legalComments: 'none',
    // Bundled CommonJS dependencies (ws) call require() for Node built-ins; an ESM file has no require of its own.
    banner: {
      js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
    },
    logLevel: 'warning',
  };
}

export function preloadBuildOptions(projectRoot: string): BuildOptions {
  return {
    entryPoints: [join(projectRoot, 'preload', 'index.ts')],
    outfile: join(projectRoot, 'dist', 'preload', 'index.cjs'),
    bundle: true,
    platform: 'browser',
    format: 'cjs',
    target: 'chrome140',
    external: ['electron'],
    // Every window parses it before the page starts (zod comes along with the contract): keep it small.
    minify: true,
    sourcemap: 'linked',
    legalComments: 'none',
    logLevel: 'warning',
  };
}

/** Modules a bundle still requires; for the sandboxed preload this must be electron alone. */
export function requiredModules(code: string): string[] {
  return [...code.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1] ?? '');
}

async function main(): Promise<void> {
  await build(mainBuildOptions(root));
  await build(preloadBuildOptions(root));
  const forbidden = requiredModules(readFileSync(join(root, 'dist', 'preload', 'index.cjs'), 'utf8')).filter(
    (name) => name !== 'electron',
  );
  if (forbidden.length > 0) {
    console.error(`build-electron: the sandboxed preload would require ${forbidden.join(', ')}; bundle them instead`);
    process.exit(1);
  }
  console.log('build-electron: dist/main/index.js (ESM) and dist/preload/index.cjs (CommonJS, sandbox-ready) written');
}

// Run as a script (npm run build:electron); imported by the tests for its build options.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) await main();
