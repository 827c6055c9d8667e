// The secrets countersign-server and countersign-admin take, each from a file or an environment variable so that it
// never has to stand on the command line (the process list shows every argument to every user of the machine, and
// the shell history keeps it). The old inline flags still work, with a warning on stderr that names the flag only.
import { inlineSecretWarning, readSecretFile, type SecretInputError } from '../cli/secret-input.js';
import { isPostgresUrl } from './store/open.js';
import { parseTotpKey } from './totp-seal.js';

/** parseArgs options of the secrets; cli-args.ts and admin/cli.ts spread them into their own. */
export const SECRET_FLAGS = {
  'introspection-secret': { type: 'string' },
  'introspection-secret-file': { type: 'string' },
  'totp-key': { type: 'string' },
  'totp-key-file': { type: 'string' },
} as const;
export const DB_PASSWORD_FLAGS = {
  'db-password-file': { type: 'string' },
} as const;

type Values = Partial<Record<keyof typeof SECRET_FLAGS | keyof typeof DB_PASSWORD_FLAGS, string>>;
export type Warn = (message: string) => void;

/** A secret that cannot be used as given (unreadable file, two sources, wrong form): exit 1 with this text. */
export class SecretOptionError extends Error {
  override readonly name = 'SecretOptionError';
}

/** One secret: its file flag, its inline flag (warned about), else its environment variable; undefined when none. */
function secret(
  values: Values,
  flag: 'introspection-secret' | 'totp-key',
  envName: string,
  env: NodeJS.ProcessEnv,
  warn: Warn,
) {
  const file = values[`${flag}-file`];
  const inline = values[flag];
  if (file !== undefined && inline !== undefined) {
    throw new SecretOptionError(`Give --${flag}-file or --${flag}, not both.`);
  }
  if (file !== undefined) {
    try {
      return readSecretFile(file, `--${flag}-file`);
    } catch (error) {
      throw new SecretOptionError((error as SecretInputError).message);
    }
  }
  if (inline !== undefined) {
    warn(inlineSecretWarning(`--${flag}`, `--${flag}-file FILE or ${envName}`));
    return inline;
  }
  return env[envName] === '' ? undefined : env[envName];
}

export interface ServerSecrets {
  introspectionSecret: string | null;
  totpKey: Buffer | null;
}

export function serverSecrets(values: Values, env: NodeJS.ProcessEnv, warn: Warn): ServerSecrets {
  const introspectionSecret = secret(values, 'introspection-secret', 'COUNTERSIGN_INTROSPECTION_SECRET', env, warn);
  if (introspectionSecret !== undefined && introspectionSecret.length < 16) {
    throw new SecretOptionError('The introspection secret must be at least 16 characters.');
  }
  const totpKeyText = secret(values, 'totp-key', 'COUNTERSIGN_TOTP_KEY', env, warn);
  const totpKey = totpKeyText === undefined ? null : parseTotpKey(totpKeyText);
  if (totpKeyText !== undefined && !totpKey) {
    throw new SecretOptionError(
      'The TOTP key must be 32 bytes as 64 hex digits or base64 (e.g. openssl rand -base64 32).',
    );
  }
  return { introspectionSecret: introspectionSecret ?? null, totpKey };
}

/**
 * The database with its password: a postgres:// URL gets the password of --db-password-file; without one the
 * PostgreSQL driver takes PGPASSWORD from the environment, as psql does. A password written in the URL itself works
 * but is warned about. The URL returned is held in memory only; logs show it through describeDb (password ***).
 */
export function withDbPassword(db: string, values: Values, warn: Warn): string {
  const file = values['db-password-file'];
  if (!isPostgresUrl(db)) {
    if (file !== undefined) throw new SecretOptionError('--db-password-file is for a postgres:// --db.');
    return db;
  }
  const url = new URL(db);
  if (url.password && file !== undefined) {
    throw new SecretOptionError('The --db URL has a password and --db-password-file gives one: give it only once.');
  }
  if (url.password) {
    warn(inlineSecretWarning('a password in the --db URL', 'PGPASSWORD or --db-password-file FILE'));
    return db;
  }
  if (file === undefined) return db;
  let password: string;
  try {
    password = readSecretFile(file, '--db-password-file');
  } catch (error) {
    throw new SecretOptionError((error as SecretInputError).message);
  }
  if (!url.username) {
    throw new SecretOptionError('--db-password-file needs a user name in the --db URL (postgres://USER@HOST/DB).');
  }
  // Percent-encoded as a URL's user info must be; the driver decodes it again.
  url.password = encodeURIComponent(password);
  return url.toString();
}
