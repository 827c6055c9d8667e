// The architecture's boundaries are a lint rule (biome.json "overrides", noRestrictedImports), not a comment: this
// runs Biome with the project's own configuration over probe files laid out like the tree, so a rule that stops
// matching (a renamed folder, a changed pattern) fails here instead of letting the next import through.
import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';

const run = promisify(execFile);
const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const BIOME = join(ROOT, 'node_modules', '@biomejs', 'biome', 'bin', 'biome');

const PROBES: Record<string, string> = {
  // Refused: the domain reaching for HTTP.
  'server/services/uses-http.ts': "import { ApiError } from '../http/api-error.js';\nexport const x = ApiError;\n",
  'server/store/uses-fastify.ts': "import Fastify from 'fastify';\nexport const x = Fastify;\n",
  'server/push/uses-routes.ts': "import { streamRoutes } from '../routes/stream.js';\nexport const x = streamRoutes;\n",
  'server/webhooks/uses-http.ts': "import { Router } from '../http/router.js';\nexport const x = Router;\n",
  // Refused: Electron in the approver's core.
  'main/core/uses-electron.ts': "import { app } from 'electron';\nexport const x = app;\n",
  // Refused: a service reaching past its unit of work for the whole store's autocommit repositories.
  'server/services/uses-store.ts': "import type { Store } from '../store/types.js';\nexport type X = Store;\n",
  // Refused: a route reading or writing the store itself instead of through a service.
  'server/routes/uses-store.ts': "import { openStore } from '../store/open.js';\nexport const x = openStore;\n",
  'server/routes/uses-unit-of-work.ts':
    "import type { UnitOfWork } from '../store/types.js';\nexport type X = UnitOfWork;\n",
  // Allowed: the HTTP edge and the shell may; a route may name a row type it turns into a view.
  'server/routes/uses-row-type.ts':
    "import type { SessionRequestRow } from '../store/types.js';\nexport type X = SessionRequestRow;\n",
  'server/http/uses-fastify.ts': "import Fastify from 'fastify';\nexport const x = Fastify;\n",
  'server/routes/uses-http.ts': "import { ApiError } from '../http/api-error.js';\nexport const x = ApiError;\n",
  'server/services/uses-domain.ts': "import { Refusal } from '../domain/refusal.js';\nexport const x = Refusal;\n",
  'server/services/uses-unit-of-work.ts':
    "import type { UnitOfWork } from '../store/types.js';\nexport type X = UnitOfWork;\n",
  'main/shell/uses-electron.ts': "import { app } from 'electron';\nexport const x = app;\n",

  // Refused: the IPC contract with Node, Electron, main, or protocol/'s Node part.
  'ipc/uses-node.ts': "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n",
  'ipc/uses-electron.ts': "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;\n",
  'ipc/uses-main.ts': "import type { ApproverCore } from '../main/core/api.js';\nexport type X = ApproverCore;\n",
  'ipc/uses-protocol-crypto.ts': "import { signText } from '../protocol/crypto.js';\nexport const x = signText;\n",
  // Refused: the renderer with Node (either spelling), Electron, native modules, main or protocol directly.
  'renderer/src/uses-node.ts': "import { readFileSync } from 'fs';\nexport const x = readFileSync;\n",
  'renderer/src/uses-node-prefix.ts': "import { join } from 'node:path';\nexport const x = join;\n",
  'renderer/src/uses-electron.ts': "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;\n",
  'renderer/src/uses-keytar.ts': "import keytar from 'keytar';\nexport const x = keytar;\n",
  'renderer/src/uses-main.ts':
    "import type { ApproverCore } from '../../main/core/api.js';\nexport type X = ApproverCore;\n",
  'renderer/src/uses-protocol.ts': "import { Id } from '../../protocol/primitives.js';\nexport const x = Id;\n",
  'renderer/src/uses-server.ts': "import { buildApp } from '../../server/app.js';\nexport const x = buildApp;\n",
  // Refused: protocol/'s browser part with Node, Electron or its Node part.
  'protocol/primitives.ts': "import { createHash } from 'node:crypto';\nexport const x = createHash;\n",
  'protocol/session.ts': "import { app } from 'electron';\nexport const x = app;\n",
  'protocol/index.ts': "import { signText } from './crypto.js';\nexport const x = signText;\n",

  // Allowed: the contract on protocol/'s browser part and zod; the renderer on ipc/, its folder and React; the
  // Node part of protocol/; the renderer's build config, which runs in Node.
  'ipc/uses-protocol.ts':
    "import { z } from 'zod';\nimport { Id } from '../protocol/primitives.js';\nexport const x = z.tuple([Id]);\n",
  'renderer/src/uses-ipc.ts':
    "import { useState } from 'react';\nimport { routeHash } from '../../ipc/contract.js';\nimport { f } from './format.js';\nexport const x = [useState, routeHash, f];\n",
  'protocol/crypto.ts': "import { createHash } from 'node:crypto';\nexport const x = createHash;\n",
  'renderer/vite.config.ts': "import { join } from 'node:path';\nexport const x = join;\n",
};

const BOUNDARY_RULES = new Set(['lint/style/noRestrictedImports', 'lint/correctness/noNodejsModules']);

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'countersign-boundaries-'));
  await copyFile(join(ROOT, 'biome.json'), join(dir, 'biome.json'));
  for (const [path, text] of Object.entries(PROBES)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
});
afterAll(async () => rm(dir, { recursive: true, force: true }));

it('refuses imports across the boundaries, and only those', async () => {
  const reply = await run(BIOME, ['lint', '--reporter=json', '--max-diagnostics=none', '.'], { cwd: dir }).catch(
    (error: { stdout: string }) => error,
  );
  const report = JSON.parse(reply.stdout) as { diagnostics: { category: string; location: { path: string } }[] };
  const flagged = [
    ...new Set(report.diagnostics.filter((d) => BOUNDARY_RULES.has(d.category)).map((d) => d.location.path)),
  ].sort();
  expect(flagged).toEqual([
    'ipc/uses-electron.ts',
    'ipc/uses-main.ts',
    'ipc/uses-node.ts',
    'ipc/uses-protocol-crypto.ts',
    'main/core/uses-electron.ts',
    'protocol/index.ts',
    'protocol/primitives.ts',
    'protocol/session.ts',
    'renderer/src/uses-electron.ts',
    'renderer/src/uses-keytar.ts',
    'renderer/src/uses-main.ts',
    'renderer/src/uses-node-prefix.ts',
    'renderer/src/uses-node.ts',
    'renderer/src/uses-protocol.ts',
    'renderer/src/uses-server.ts',
    'server/push/uses-routes.ts',
    'server/routes/uses-store.ts',
    'server/routes/uses-unit-of-work.ts',
    'server/services/uses-http.ts',
    'server/services/uses-store.ts',
    'server/store/uses-fastify.ts',
    'server/webhooks/uses-http.ts',
  ]);
});

/** Relative imports of a source file, resolved to project paths (".js" written for a ".ts"/".tsx" file). */
function localImports(file: string): string[] {
  const text = readFileSync(join(ROOT, file), 'utf8');
  const specifiers = [...text.matchAll(/(?:import|export)\s[^'"]*?from\s*'(\.[^']+)'/g)].map((m) => m[1]!);
  return specifiers.map((specifier) => {
    const base = relative(ROOT, resolve(ROOT, dirname(file), specifier)).replace(/\.js$/, '');
    const found = ['.ts', '.tsx']
      .map((ext) => base + ext)
      .find((candidate) => {
        try {
          readFileSync(join(ROOT, candidate));
          return true;
        } catch {
          return false;
        }
      });
    if (!found) throw new Error(`${file}: cannot resolve ${specifier}`);
    return found;
  });
}

const sourceFiles = (folder: string): string[] =>
  readdirSync(join(ROOT, folder), { recursive: true, encoding: 'utf8' })
    .filter((name) => /\.tsx?$/.test(name))
    .map((name) => `${folder}/${name}`);

it('covers every protocol/ file that the IPC contract and the renderer reach, and none of them uses Node', () => {
  const reached = new Set<string>();
  const queue = [...sourceFiles('ipc'), ...sourceFiles('renderer/src')];
  while (queue.length > 0) {
    const file = queue.pop()!;
    if (reached.has(file)) continue;
    reached.add(file);
    queue.push(...localImports(file));
  }
  const config = JSON.parse(readFileSync(join(ROOT, 'biome.json'), 'utf8')) as {
    overrides: { includes: string[] }[];
  };
  const browserPart = config.overrides.find((o) => o.includes.includes('protocol/index.ts'))?.includes ?? [];
  const protocolReached = [...reached].filter((file) => file.startsWith('protocol/')).sort();
  expect(protocolReached.length).toBeGreaterThan(5);
  // A protocol file the renderer bundles but the rule does not name would escape it.
  expect(protocolReached.filter((file) => !browserPart.includes(file))).toEqual([]);
  // The rule is about the tree as it is, too: nothing reached imports Node or Electron today.
  const usesNode = [...reached].filter((file) =>
    /from\s*'(node:[^']+|electron)'/.test(readFileSync(join(ROOT, file), 'utf8')),
  );
  expect(usesNode).toEqual([]);
});
