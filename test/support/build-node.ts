// vitest global setup: the tests that start `countersign-server`, `-admin` or `-session` as processes run the
// built JavaScript in dist/node (what operators run), so build it from the current sources first — a stale build
// would test yesterday's code.
import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

export default function setup(): void {
  const tsc = join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  try {
    execFileSync(process.execPath, [tsc, '-p', join(ROOT, 'tsconfig.build.json')], { cwd: ROOT, stdio: 'pipe' });
  } catch (error) {
    const output = (error as { stdout?: Buffer }).stdout?.toString() ?? String(error);
    throw new Error(`npm run build:node failed, so the command-line tools cannot be tested:\n${output}`);
  }
}
