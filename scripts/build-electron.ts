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
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = (path: string) => join(root, 'dist', path);

// Electron 45 runs Node 22 and Chromium 140.
const MAIN_EXTERNALS = ['electron', 'keytar', 'better-sqlite3', 'node-notifier'];

await build({
  entryPoints: [join(root, 'main', 'index.ts')],
  outfile: out('main/index.js'),
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node22',
  external: MAIN_EXTERNALS,
  sourcemap: 'linked',
  legalComments: 'none',
  // Bundled CommonJS dependencies (ws) call require() for Node built-ins; an ESM file has no require of its own.
  banner: {
    js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
  },
  logLevel: 'warning',
});

await build({
  entryPoints: [join(root, 'preload', 'index.ts')],
  outfile: out('preload/index.cjs'),
  bundle: true,
  platform: 'browser',
  format: 'cjs',
  target: 'chrome140',
  external: ['electron'],
  sourcemap: 'linked',
  legalComments: 'none',
  logLevel: 'warning',
});

const preload = readFileSync(out('preload/index.cjs'), 'utf8');
const required = [...preload.matchAll(/\brequire\(\s*["']([^"']+)["']\s*\)/g)].map((m) => m[1]);
const forbidden = required.filter((name) => name !== 'electron');
if (forbidden.length > 0) {
  console.error(`build-electron: the sandboxed preload would require ${forbidden.join(', ')}; bundle them instead`);
  process.exit(1);
}
console.log('build-electron: dist/main/index.js (ESM) and dist/preload/index.cjs (CommonJS, sandbox-ready) written');
