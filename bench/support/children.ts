// Every child process the benchmarks start is registered here, so that all of them are killed when the run ends —
// normally, on an error, or on Ctrl-C — and none is left holding thousands of sockets.
import { type ChildProcess, type SpawnOptions, spawn } from 'node:child_process';
import { rmSync } from 'node:fs';

const children = new Set<ChildProcess>();
const scratchDirs = new Set<string>();

/** A temporary directory to delete when the run ends, however it ends (the suites also delete it when done). */
export function removeOnExit(dir: string): string {
  scratchDirs.add(dir);
  return dir;
}

export function spawnChild(command: string, args: string[], options: SpawnOptions): ChildProcess {
  const child = spawn(command, args, options);
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Resolves once the child has exited; sends the signal first, and SIGKILL if it is still there after graceMs. */
export async function stopChild(child: ChildProcess, signal: NodeJS.Signals = 'SIGTERM', graceMs = 10_000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  child.kill(signal);
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

/** Last resort, synchronous (usable in an 'exit' handler): SIGKILL to every child still running, scratch removed. */
export function killAllChildren(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  children.clear();
  for (const dir of scratchDirs) rmSync(dir, { recursive: true, force: true });
  scratchDirs.clear();
}

let installed = false;

/** Kills every child when this process exits or is interrupted. */
export function killChildrenOnExit(): void {
  if (installed) return;
  installed = true;
  process.once('exit', killAllChildren);
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    process.once(signal, () => {
      process.stderr.write(`bench: ${signal}, stopping every child process\n`);
      killAllChildren();
      process.exit(130);
    });
  }
}

/** Resolves with the first stdout match of pattern; rejects when the child exits first or after timeoutMs. */
export function waitForLine(child: ChildProcess, pattern: RegExp, what: string, timeoutMs = 30_000) {
  return new Promise<RegExpExecArray>((resolve, reject) => {
    let stdout = '';
    let stderr = '';
    const timer = setTimeout(() => {
      cleanup();
      reject(new Error(`${what} did not start within ${timeoutMs} ms. stderr: ${stderr}`));
    }, timeoutMs);
    const onOut = (chunk: Buffer) => {
      stdout += chunk.toString();
      const match = pattern.exec(stdout);
      if (match) {
        cleanup();
        resolve(match);
      }
    };
    const onErr = (chunk: Buffer) => {
      stderr += chunk.toString();
    };
    const onExit = (code: number | null, signal: string | null) => {
      cleanup();
      reject(new Error(`${what} exited (${code ?? signal}) before it was ready. stderr: ${stderr}`));
    };
    const cleanup = () => {
      clearTimeout(timer);
      child.stdout?.off('data', onOut);
      child.stderr?.off('data', onErr);
      child.off('exit', onExit);
    };
    child.stdout?.on('data', onOut);
    child.stderr?.on('data', onErr);
    child.once('exit', onExit);
  });
}
