// Scripts that run inside a Chromium page before the renderer (the e2e bridge, the benchmark's bridge) are bundled
// for the browser with their imports — the preload bridge and the IPC contract — into one classic script.
import { build } from 'esbuild';

/** The file at `entry` bundled as a browser IIFE, as text for page.addInitScript. */
export async function bundlePageScript(entry: string): Promise<string> {
  const result = await build({
    entryPoints: [entry],
    bundle: true,
    format: 'iife',
    platform: 'browser',
    target: 'chrome130',
    write: false,
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}
