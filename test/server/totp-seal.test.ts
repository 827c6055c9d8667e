// The operator's TOTP key: parsed from hex or base64, made into a 0600 file when absent, and sealing that binds a
// secret to its device and key.
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parseServerArgs } from '../../server/cli-args.js';
import { startServer } from '../../server/index.js';
import { loadOrCreateTotpKeyFile, parseTotpKey, TotpSealer } from '../../server/totp-seal.js';
import { createTestDatabase, testStoreKind } from '../support/postgres.js';
import { tempDir } from '../support/server.js';

let dir: Awaited<ReturnType<typeof tempDir>>;
beforeEach(async () => {
  dir = await tempDir();
});
afterEach(async () => {
  await dir.remove();
});

const KEY = Buffer.alloc(32, 7);

describe('TOTP sealing key', () => {
  it('reads 32 bytes as hex or base64 and nothing else', () => {
    expect(parseTotpKey(KEY.toString('hex'))).toEqual(KEY);
    expect(parseTotpKey(KEY.toString('base64'))).toEqual(KEY);
    expect(parseTotpKey(KEY.toString('base64url'))).toEqual(KEY);
    expect(parseTotpKey('too short')).toBe(null);
    expect(parseTotpKey(Buffer.alloc(16).toString('hex'))).toBe(null);
  });

  it('comes from --totp-key or COUNTERSIGN_TOTP_KEY; a bad one is a usage error', () => {
    const fromFlag = parseServerArgs(['--totp-key', KEY.toString('hex')], {});
    expect(fromFlag !== 'help' && fromFlag.config?.totpKey).toEqual(KEY);
    const fromEnv = parseServerArgs([], { COUNTERSIGN_TOTP_KEY: KEY.toString('base64') });
    expect(fromEnv !== 'help' && fromEnv.config?.totpKey).toEqual(KEY);
    expect(() => parseServerArgs(['--totp-key', 'abc'], {})).toThrow(/32 bytes/);
  });

  it('is made once into a 0600 file and read back the next time', () => {
    const file = join(dir.path, 'sub', 'countersign.db.totp-key');
    const made = loadOrCreateTotpKeyFile(file);
    expect(made.created).toBe(true);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const again = loadOrCreateTotpKeyFile(file);
    expect(again).toEqual({ key: made.key, created: false });
  });

  it('opens only with the same key and for the same device', () => {
    const secret = Buffer.from('12345678901234567890');
    const sealed = new TotpSealer(KEY).seal(secret, 4);
    expect(sealed).not.toContain(secret.toString('base64url'));
    expect(new TotpSealer(KEY).open(sealed, 4)).toEqual(secret);
    expect(() => new TotpSealer(KEY).open(sealed, 5)).toThrow();
    expect(() => new TotpSealer(Buffer.alloc(32, 8)).open(sealed, 4)).toThrow();
  });

  it.skipIf(testStoreKind() === 'postgres')(
    'startServer names where the key came from: a key file made now, the same file next time, or the operator (SQLite only: PostgreSQL has no key file)',
    async () => {
      const db = join(dir.path, 'countersign.db');
      const first = await startServer({ db, port: 0 });
      await first.close();
      expect(first.totpKeySource).toBe(`TOTP secrets sealed with the key in ${db}.totp-key, made now (mode 0600)`);
      const second = await startServer({ db, port: 0 });
      await second.close();
      expect(second.totpKeySource).toBe(`TOTP secrets sealed with the key in ${db}.totp-key`);
      const configured = await startServer({ db, port: 0, config: { totpKey: KEY } });
      await configured.close();
      expect(configured.totpKeySource).toBe('TOTP secrets sealed with the configured TOTP key');
    },
  );

  it.skipIf(testStoreKind() !== 'postgres')(
    'with PostgreSQL startServer refuses to start without a configured key, and names the configured one (PostgreSQL only)',
    async () => {
      const database = await createTestDatabase();
      try {
        await expect(startServer({ db: database.url, port: 0 })).rejects.toThrow(
          /--totp-key-file or COUNTERSIGN_TOTP_KEY/,
        );
        const configured = await startServer({ db: database.url, port: 0, config: { totpKey: KEY } });
        await configured.close();
        expect(configured.totpKeySource).toBe('TOTP secrets sealed with the configured TOTP key');
        expect(existsSync(`${database.url}.totp-key`)).toBe(false);
      } finally {
        await database.drop();
      }
    },
  );
});
