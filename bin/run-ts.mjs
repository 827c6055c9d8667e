#!/usr/bin/env node
// Runs a TypeScript entry point of this project with tsx's loader: `node bin/run-ts.mjs path/to/file.ts args…`.
// The bins below use the same loader, so the project needs no separate build step to run its command-line tools.
import { register } from 'tsx/esm/api';
import { pathToFileURL } from 'node:url';
import { resolve } from 'node:path';

register();
const [entry, ...rest] = process.argv.slice(2);
if (!entry) {
  console.error('usage: node bin/run-ts.mjs <file.ts> [args…]');
  process.exit(1);
}
process.argv = [process.argv[0] ?? 'node', resolve(entry), ...rest];
await import(pathToFileURL(resolve(entry)).href);
