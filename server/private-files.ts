// The database and its key file hold everything an attacker wants (key hashes, sealed TOTP secrets, the sealing
// key), so what the server creates for them is for its own user only: folders 0700, files 0600, whatever the
// umask says (the modes given to mkdir/open are narrowed by the umask but never widened, so they are set again).
import { chmodSync, closeSync, constants, fchmodSync, mkdirSync, openSync } from 'node:fs';
import { dirname, relative, resolve, sep } from 'node:path';

export const PRIVATE_DIR_MODE = 0o700;
export const PRIVATE_FILE_MODE = 0o600;

/** Creates the folder and any missing parents as 0700; folders that already exist are left as they are. */
export function makePrivateDir(dir: string): void {
  const first = mkdirSync(dir, { recursive: true, mode: PRIVATE_DIR_MODE });
  if (first === undefined) return;
  const target = resolve(dir);
  let path = resolve(first);
  chmodSync(path, PRIVATE_DIR_MODE);
  for (const part of relative(path, target).split(sep).filter(Boolean)) {
    path = resolve(path, part);
    chmodSync(path, PRIVATE_DIR_MODE);
  }
}

/** Creates an empty file as 0600 unless it exists (an existing file keeps its mode). True when it was created. */
export function createPrivateFile(path: string): boolean {
  makePrivateDir(dirname(path));
  let fd: number;
  try {
    fd = openSync(path, constants.O_CREAT | constants.O_EXCL | constants.O_WRONLY, PRIVATE_FILE_MODE);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    fchmodSync(fd, PRIVATE_FILE_MODE);
  } finally {
    closeSync(fd);
  }
  return true;
}
