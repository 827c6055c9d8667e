// The served OpenAPI document is usable by a client nobody here wrote: Redocly's recommended ruleset finds nothing
// in it, and openapi-typescript's types from it type-check a requester flow that then runs against the server.
import { execFile } from 'node:child_process';
import { copyFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { http, startTestServer, type TestServer, tempDir } from '../support/server.js';

const run = promisify(execFile);
const HERE = dirname(fileURLToPath(import.meta.url));
const ROOT = join(HERE, '..', '..');
const REDOCLY = join(ROOT, 'node_modules', '@redocly', 'cli', 'bin', 'cli.js');
const TSC = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
// No update check, no telemetry: the build machines reach only the npm registry.
const QUIET = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true', NO_COLOR: '1' };

let server: TestServer;
let dir: Awaited<ReturnType<typeof tempDir>>;
let documentFile: string;
let document: Record<string, unknown>;

beforeAll(async () => {
  server = await startTestServer();
  dir = await tempDir('countersign-openapi-');
  const reply = await http(`${server.url}/openapi.json`);
  document = reply.json as Record<string, unknown>;
  documentFile = join(dir.path, 'openapi.json');
  await writeFile(documentFile, JSON.stringify(document));
});
afterAll(async () => {
  await server.close();
  await dir.remove();
});

interface LintProblem {
  ruleId: string;
  severity: string;
  message: string;
  location: { pointer: string }[];
}

it("passes Redocly's recommended ruleset with no error and no warning", async () => {
  const { stdout } = await run(
    process.execPath,
    [REDOCLY, 'lint', documentFile, '--extends', 'recommended', '--format', 'json'],
    { env: QUIET, maxBuffer: 16 * 1024 * 1024 },
  );
  const problems = (JSON.parse(stdout) as { problems: LintProblem[] }).problems;
  expect(problems.map((p) => `${p.severity} ${p.ruleId} ${p.location[0]?.pointer}: ${p.message}`)).toEqual([]);
});

it('names every operation with a unique operationId', () => {
  const paths = document.paths as Record<string, Record<string, { operationId?: string }>>;
  const ids = Object.values(paths).flatMap((operations) => Object.values(operations).map((op) => op.operationId));
  expect(ids.every((id) => typeof id === 'string' && /^[a-z][A-Za-z]+$/.test(id))).toBe(true);
  expect(new Set(ids).size).toBe(ids.length);
});

// tsc loads @types/node for the flow: seconds on a busy 2-core machine, so this one gets more room.
it('gives openapi-typescript types that type-check a requester flow, which then runs against the server', {
  timeout: 90_000,
}, async () => {
  const types = astToString(await openapiTS(JSON.stringify(document)));
  await writeFile(join(dir.path, 'countersign-api.ts'), types);
  const flow = join(dir.path, 'requester-flow.ts');
  await copyFile(join(HERE, 'generated-client', 'requester-flow.ts'), flow);
  await writeFile(join(dir.path, 'package.json'), JSON.stringify({ type: 'module', private: true }));
  await writeFile(
    join(dir.path, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'ES2023',
        lib: ['ES2023', 'DOM'],
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        strict: true,
        noUncheckedIndexedAccess: false,
        allowImportingTsExtensions: true,
        erasableSyntaxOnly: true,
        noEmit: true,
        types: ['node'],
        typeRoots: [join(ROOT, 'node_modules', '@types')],
      },
      files: ['requester-flow.ts', 'countersign-api.ts'],
    }),
  );
  const typecheck = await run(process.execPath, [TSC, '-p', join(dir.path, 'tsconfig.json')], { cwd: dir.path }).then(
    () => 'clean',
    (error: { stdout?: string }) => error.stdout ?? String(error),
  );
  expect(typecheck).toBe('clean');

  await server.admin.createUser('generated');
  const key = await server.admin.createKey({
    user: 'generated',
    name: 'exporter',
    mode: 'ip-only',
    ips: ['127.0.0.1'],
  });
  const { stdout } = await run(process.execPath, [flow, server.url, key.api_key], { cwd: dir.path });
  const seen = JSON.parse(stdout) as Record<string, unknown>;
  expect(seen).toMatchObject({ openStatus: 200, closeStatus: 200, closedResponse: [], unknownStatus: 404 });
  expect(seen.tokenLength).toBeGreaterThan(20);
  expect(seen.error).toEqual(expect.any(String));
});
