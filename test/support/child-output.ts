// A child process's output as text, for tests that run our bins as real processes.
import type { Readable } from 'node:stream';

export interface ChildOutput {
  stdout: string;
  stderr: string;
}

/** Appends whatever the child writes to the returned object as it arrives; copy it to keep a snapshot. */
export function collectOutput(child: { stdout: Readable; stderr: Readable }): ChildOutput {
  const output: ChildOutput = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => {
    output.stdout += chunk.toString();
  });
  child.stderr.on('data', (chunk: Buffer) => {
    output.stderr += chunk.toString();
  });
  return output;
}
