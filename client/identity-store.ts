// Where a requester keeps its installation key (and, after `countersign-session login`, its API key): the OS
// keychain when this machine has one (keytar, service "countersign-requester"), else one JSON file that only its
// owner may read (mode 0600 in a 0700 folder) under the user's config folder, or a file the caller names.
import { chmodSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';

export const KEYCHAIN_SERVICE = 'countersign-requester';

export interface IdentityStore {
  /** Where the values live, in words for --help and messages. */
  readonly where: string;
  read(account: string): Promise<string | null>;
  write(account: string, value: string): Promise<void>;
  remove(account: string): Promise<void>;
}

/** $XDG_CONFIG_HOME/countersign/requester.json, else ~/.config/countersign/requester.json. */
export function defaultIdentityFile(env: NodeJS.ProcessEnv = process.env): string {
  const base = env.XDG_CONFIG_HOME?.startsWith('/') ? env.XDG_CONFIG_HOME : join(homedir(), '.config');
  return join(base, 'countersign', 'requester.json');
}

interface FileContents {
  version: 1;
  entries: Record<string, string>;
}

/** One JSON file, written whole (to a temporary file, then renamed) with mode 0600. */
export class FileIdentityStore implements IdentityStore {
  readonly where: string;

  constructor(readonly file: string) {
    this.where = `the file ${file} (mode 0600)`;
  }

  private load(): FileContents {
    let text: string;
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { version: 1, entries: {} };
      throw new Error(`${this.file}: cannot read the installation file (${(error as Error).message})`);
    }
    try {
      const parsed = JSON.parse(text) as FileContents;
      if (parsed?.version !== 1 || typeof parsed.entries !== 'object' || parsed.entries === null) throw new Error();
      return parsed;
    } catch {
      throw new Error(`${this.file}: not a Countersign requester file (JSON {"version":1,"entries":{…}})`);
    }
  }

  private save(contents: FileContents): void {
    mkdirSync(dirname(this.file), { recursive: true, mode: 0o700 });
    const temporary = `${this.file}.${process.pid}.tmp`;
    writeFileSync(temporary, `${JSON.stringify(contents, null, 2)}\n`, { mode: 0o600 });
    chmodSync(temporary, 0o600);
    renameSync(temporary, this.file);
  }

  async read(account: string): Promise<string | null> {
    return this.load().entries[account] ?? null;
  }

  async write(account: string, value: string): Promise<void> {
    const contents = this.load();
    contents.entries[account] = value;
    this.save(contents);
  }

  async remove(account: string): Promise<void> {
    const contents = this.load();
    if (!(account in contents.entries)) return;
    delete contents.entries[account];
    this.save(contents);
  }
}

type Keytar = typeof import('keytar');

class KeychainIdentityStore implements IdentityStore {
  readonly where = `the OS keychain (service "${KEYCHAIN_SERVICE}")`;
  constructor(private readonly keytar: Keytar) {}
  read(account: string) {
    return this.keytar.getPassword(KEYCHAIN_SERVICE, account);
  }
  write(account: string, value: string) {
    return this.keytar.setPassword(KEYCHAIN_SERVICE, account, value);
  }
  async remove(account: string) {
    await this.keytar.deletePassword(KEYCHAIN_SERVICE, account);
  }
}

/**
 * Whether a keychain can be asked at all: on Linux only inside a desktop session's D-Bus (libsecret would otherwise
 * try to start one, and keep a script waiting); macOS and Windows always have theirs.
 */
function keychainPlausible(env: NodeJS.ProcessEnv): boolean {
  return process.platform !== 'linux' || Boolean(env.DBUS_SESSION_BUS_ADDRESS);
}

/**
 * The store to use: `file` when given; else the OS keychain when one answers; else the default file. A keychain
 * that is there but fails (locked, no Secret Service) falls back to the file too, so scripts keep working.
 */
export async function openIdentityStore(
  options: { file?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<IdentityStore> {
  const env = options.env ?? process.env;
  if (options.file !== undefined) return new FileIdentityStore(options.file);
  if (keychainPlausible(env)) {
    try {
      const loaded = (await import('keytar')) as unknown as { default?: Keytar } & Keytar;
      const keytar = loaded.default ?? loaded;
      // One read proves the keychain answers.
      await keytar.getPassword(KEYCHAIN_SERVICE, 'probe');
      return new KeychainIdentityStore(keytar);
    } catch {
      // No keychain here: the file below.
    }
  }
  return new FileIdentityStore(defaultIdentityFile(env));
}
