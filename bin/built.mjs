// Loads a module of dist/node — the command-line tools compiled to plain JavaScript by `npm run build:node`, which
// `npm ci` runs as `prepare` — or says what is missing: Node 24 or the build.
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

export async function runBuilt(modulePath) {
  const major = Number(process.versions.node.split('.')[0]);
  if (major < 24) {
    process.stderr.write(`countersign: needs Node 24 or newer, this is Node ${process.versions.node}\n`);
    process.exit(1);
  }
  const file = fileURLToPath(new URL(`../dist/node/${modulePath}`, import.meta.url));
  if (!existsSync(file)) {
    process.stderr.write(`countersign: ${file} is missing; run \`npm run build:node\` (npm ci does it) first\n`);
    process.exit(1);
  }
  await import(pathToFileURL(file).href);
}
