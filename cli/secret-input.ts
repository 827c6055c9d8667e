// Secrets handed to a command-line tool without writing them on its command line, where the process list (ps, /proc)
// and the shell history would show them: from a file, from standard input or from an environment variable. Shared by
// countersign-server, countersign-admin and countersign-session, so all three read and refuse the same way.
import { closeSync, openSync, readSync } from 'node:fs';

/** A secret that could not be read. The message names the flag and the file, never the secret. */
export class SecretInputError extends Error {
  override readonly name = 'SecretInputError';
}

/** Secrets are short; a file far larger than one is the wrong file (or /dev/zero), so reading stops there. */
const MAX_SECRET_FILE_BYTES = 64 * 1024;

/** The value of a secret file or stream: its first line without surrounding whitespace. */
export function firstLine(text: string): string {
  return (text.split(/\r?\n/)[0] ?? '').trim();
}

/** Reads a secret from FILE for FLAG (e.g. "--api-key-file"): the file's first line, trimmed; never empty. */
export function readSecretFile(path: string, flag: string): string {
  if (path === '') throw new SecretInputError(`${flag} needs a file name.`);
  let text: string;
  try {
    const fd = openSync(path, 'r');
    try {
      const buffer = Buffer.alloc(MAX_SECRET_FILE_BYTES);
      let length = 0;
      // Up to the first line break (a FIFO need not be read to its end), the end of the file, or the size limit.
      while (length < buffer.length && !buffer.subarray(0, length).includes(0x0a)) {
        const read = readSync(fd, buffer, length, buffer.length - length, null);
        if (read === 0) break;
        length += read;
      }
      text = buffer.subarray(0, length).toString('utf8');
    } finally {
      closeSync(fd);
    }
  } catch (error) {
    throw new SecretInputError(`${flag} ${path}: cannot read the file (${reason(error as NodeJS.ErrnoException)}).`);
  }
  const value = firstLine(text);
  if (!value) throw new SecretInputError(`${flag} ${path}: the file is empty (the secret is its first line).`);
  return value;
}

function reason(error: NodeJS.ErrnoException): string {
  switch (error.code) {
    case 'ENOENT':
      return 'no such file';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    default:
      return error.code ?? error.message;
  }
}

/**
 * The warning for a secret given inline (FLAG VALUE): it works, but every user of the machine can read it in the
 * process list, and it stays in the shell history.
 */
export function inlineSecretWarning(flag: string, instead: string): string {
  return `warning: ${flag} puts the secret on the command line, where the process list and the shell history show it; use ${instead} instead.`;
}
