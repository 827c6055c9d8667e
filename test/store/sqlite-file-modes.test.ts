// The SQLite database holds key hashes and sealed TOTP secrets, the key file beside it the sealing key: what the
// server and the admin CLI create for them is for their own user only — folders 0700, the database, its -wal and
// -shm and the key file 0600 — even under `umask 000`, where a plain create would leave them world-writable.
import { spawn } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { collectOutput } from '../support/child-output.js';
import { ADMIN_BIN, SERVER_BIN, tempDir } from '../support/server.js';

const mode = (path: string) => (statSync(path).mode & 0o777).toString(8);

/** Runs `node BIN ARGS` under umask 000, after touching a control file that shows the umask took effect. */
function underOpenUmask(control: string, bin: string, args: string[]) {
  return spawn('sh', ['-c', 'umask 000 && : > "$0" && exec "$@"', control, process.execPath, bin, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => dir.remove());

describe('files the server creates for a SQLite database', () => {
  it('are 0700 folders and 0600 files (database, -wal, -shm, key file) under umask 000', async () => {
    const db = join(dir.path, 'made', 'by-server', 'countersign.db');
    const control = join(dir.path, 'control');
    const child = underOpenUmask(control, SERVER_BIN, ['--port', '0', '--host', '127.0.0.1', '--db', db]);
    const output = collectOutput(child);
    const closed = new Promise<void>((resolve) => child.once('close', () => resolve()));
    try {
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', () => {
          if (output.stdout.includes('listening on')) resolve();
        });
        child.once('exit', () => reject(new Error(`countersign-server exited: ${output.stderr}`)));
      });
      expect(mode(control), 'the umask really was 000').toBe('666');
      expect(mode(join(dir.path, 'made'))).toBe('700');
      expect(mode(join(dir.path, 'made', 'by-server'))).toBe('700');
      // The server runs in WAL mode: while it runs, the write-ahead log and its shared-memory index exist.
      for (const file of [db, `${db}-wal`, `${db}-shm`, `${db}.totp-key`]) expect(mode(file), file).toBe('600');
    } finally {
      child.kill('SIGTERM');
      await closed;
    }
  });

  it('are the same when countersign-admin creates the database first', async () => {
    const db = join(dir.path, 'made-by-admin', 'countersign.db');
    const child = underOpenUmask(join(dir.path, 'control'), ADMIN_BIN, ['--db', db, 'user', 'create', 'alice']);
    const output = collectOutput(child);
    const code = await new Promise<number | null>((resolve) => child.once('close', (c) => resolve(c)));
    expect(code, output.stderr).toBe(0);
    expect(mode(join(dir.path, 'made-by-admin'))).toBe('700');
    expect(mode(db)).toBe('600');
  });
});
