// The bundles scripts/build-electron.ts makes, built in memory with its own options: the preload runs in a
// sandbox-like context where `require` knows only 'electron' (as in a sandboxed renderer) and exposes the bridge;
// the main bundle leaves only Electron, the native modules, node-notifier and Node built-ins outside.
import { builtinModules } from 'node:module';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';
import { build } from 'esbuild';
import { describe, expect, it } from 'vitest';
import {
  MAIN_EXTERNALS,
  mainBuildOptions,
  OPTIONAL_EXTERNALS,
  preloadBuildOptions,
  requiredModules,
} from '../../scripts/build-electron.js';
import { FakeIpcRenderer } from './support/fake-electron.js';

const ROOT = join(import.meta.dirname, '..', '..');

async function bundle(options: ReturnType<typeof mainBuildOptions>): Promise<string> {
  const result = await build({ ...options, write: false, sourcemap: false, metafile: true });
  return result.outputFiles.find((file) => !file.path.endsWith('.map'))?.text ?? '';
}

describe('Electron bundles', () => {
  it('preload: one CommonJS file that needs nothing but electron and exposes only the bridge', async () => {
    const code = await bundle(preloadBuildOptions(ROOT));
    expect(requiredModules(code)).toEqual(['electron']);

    // FAKE ELECTRON MODULE: the sandboxed preload's `require('electron')`, recording what it exposes.
    const exposed: Record<string, unknown> = {};
    const ipc = new FakeIpcRenderer(async (channel) => ({ ok: true, value: channel }));
    const electron = {
      contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
      ipcRenderer: ipc,
    };
    const sandboxRequire = (name: string) => {
      if (name === 'electron') return electron;
      throw new Error(`module not found: ${name} (a sandboxed preload can only require electron)`);
    };
    runInNewContext(code, { require: sandboxRequire, console });

    expect(Object.keys(exposed)).toEqual(['countersign']);
    const bridge = exposed.countersign as { invoke(channel: string, ...args: unknown[]): Promise<unknown> };
    expect(Object.keys(bridge).sort()).toEqual(['invoke', 'notify', 'on']);
    expect(await bridge.invoke('accounts:list')).toEqual({ ok: true, value: 'accounts:list' });
    expect(await bridge.invoke('no:such-channel')).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(ipc.invoked.map((call) => call.channel)).toEqual(['accounts:list']);
  });

  it('main: an ES module whose only imports are Electron, the native modules, node-notifier and Node built-ins', async () => {
    const result = await build({ ...mainBuildOptions(ROOT), write: false, sourcemap: false, metafile: true });
    const output = Object.values(result.metafile.outputs).find((o) => o.entryPoint);
    const imports = (output?.imports ?? []).filter((i) => i.external).map((i) => i.path);
    const allowed = new Set([
      ...MAIN_EXTERNALS,
      ...OPTIONAL_EXTERNALS,
      ...builtinModules,
      ...builtinModules.map((m) => `node:${m}`),
    ]);
    expect(imports.filter((path) => !allowed.has(path))).toEqual([]);
    expect(imports).toEqual(expect.arrayContaining(['electron', 'better-sqlite3', 'node-notifier']));
    expect(output?.exports).toEqual([]);
  });
});
