// The architecture's boundaries are a lint rule (biome.json "overrides", noRestrictedImports), not a comment: this
// runs Biome with the project's own configuration over probe files laid out like the tree, so a rule that stops
// matching (a renamed folder, a changed pattern) fails here instead of letting the next import through.
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
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
  // Refused: Electron in the approver's core.
  'main/core/uses-electron.ts': "import { app } from 'electron';\nexport const x = app;\n",
  // Allowed: the HTTP edge and the shell may.
  'server/http/uses-fastify.ts': "import Fastify from 'fastify';\nexport const x = Fastify;\n",
  'server/routes/uses-http.ts': "import { ApiError } from '../http/api-error.js';\nexport const x = ApiError;\n",
  'server/services/uses-domain.ts': "import { Refusal } from '../domain/refusal.js';\nexport const x = Refusal;\n",
  'main/shell/uses-electron.ts': "import { app } from 'electron';\nexport const x = app;\n",
};

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
  const flagged = report.diagnostics
    .filter((d) => d.category === 'lint/style/noRestrictedImports')
    .map((d) => d.location.path)
    .sort();
  expect(flagged).toEqual([
    'main/core/uses-electron.ts',
    'server/push/uses-routes.ts',
    'server/services/uses-http.ts',
    'server/store/uses-fastify.ts',
  ]);
});
