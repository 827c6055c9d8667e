// For the tests that run a README block exactly as written: the block's lines, an `npx` that runs this checkout's
// bins, and a free loopback port for the server the block starts.
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));

/** A shell function standing in for npx: the README's `npx countersign-…` runs this checkout's bin. */
export const NPX = `npx() { local bin="$1"; shift; node ${JSON.stringify(join(ROOT, 'bin'))}/"$bin".mjs "$@"; }`;

/** The lines of the first sh block under the README heading. */
export function readmeBlock(heading: string): string[] {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf(`## ${heading}`));
  const block = /```sh\n([\s\S]*?)```/.exec(section);
  if (!block) throw new Error(`README: no sh block under "## ${heading}"`);
  return block[1]!.split('\n');
}

export async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await new Promise((done) => server.once('listening', done));
  const address = server.address();
  await new Promise((done) => server.close(done));
  return typeof address === 'object' && address ? address.port : 0;
}
