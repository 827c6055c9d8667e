// What countersign-admin does, as functions over a store: usable by the command line and by tests. They work on
// the database file while a server runs on it (WAL, busy timeout).
import { DisplayText, KeyMode, PermittedIpValue, pairingUrl } from '../../protocol/index.js';
import { defaultConfig, type ServerConfig } from '../config.js';
import { iso } from '../http/views.js';
import { InProcessHub } from '../push/hub.js';
import { CredentialService } from '../services/credentials.js';
import { issuePairingCode } from '../services/pairing.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/types.js';

/** A mistake the admin can fix (unknown user, duplicate name, bad mode): exit 1 with this text. */
export class AdminError extends Error {
  override readonly name = 'AdminError';
}

export interface KeyRequest {
  user: string;
  name: string;
  mode: string;
  ips?: string[];
  numberMatching?: boolean;
  codeFallback?: boolean;
}

const UserName = DisplayText(100).refine((name) => name.trim().length > 0, 'must not be empty');

export class AdminCommands {
  // The admin's services reach no device: nothing they do here needs a push (a new key or pairing code is news to
  // nobody yet), so they get a hub of their own.
  private readonly ctx;

  constructor(
    private readonly store: Store,
    config: Partial<ServerConfig> = {},
  ) {
    this.ctx = { store, hub: new InProcessHub(), config: { ...defaultConfig, ...config } };
  }

  /** db: a SQLite file or a postgres:// URL, as countersign-server's --db. */
  static async open(db: string, config: Partial<ServerConfig> = {}): Promise<AdminCommands> {
    return new AdminCommands(await openStore(db), config);
  }

  async createUser(name: string): Promise<{ id: number; name: string }> {
    const checked = UserName.safeParse(name);
    if (!checked.success) throw new AdminError(`The user name ${checked.error.issues[0]?.message ?? 'is not valid'}.`);
    if (await this.store.users.byName(name)) throw new AdminError(`A user named "${name}" already exists.`);
    const user = await this.store.users.create(name, Date.now());
    return { id: user.id, name: user.name };
  }

  async createKey(request: KeyRequest): Promise<{ id: number; api_key: string }> {
    const user = await this.user(request.user);
    const mode = KeyMode.safeParse(request.mode);
    if (!mode.success) {
      throw new AdminError(`--mode must be one of ${KeyMode.options.join(', ')} (got "${request.mode}").`);
    }
    const name = DisplayText(100).safeParse(request.name);
    if (!name.success || request.name.length === 0) {
      throw new AdminError(`--name ${name.error?.issues[0]?.message ?? 'must not be empty'}.`);
    }
    for (const ip of request.ips ?? []) {
      if (!PermittedIpValue.safeParse(ip).success) {
        throw new AdminError(`--ip "${ip}" is not an IPv4 or IPv6 address, or "*" for any address.`);
      }
    }
    const { credential, apiKey } = await new CredentialService(this.ctx).create(user.id, {
      name: request.name,
      mode: mode.data,
      numberMatching: request.numberMatching ?? false,
      allowCodeFallback: request.codeFallback ?? false,
      ips: request.ips ?? [],
    });
    return { id: credential.id, api_key: apiKey };
  }

  async pair(userName: string, server: string): Promise<{ pairing_url: string; code: string; expires_at: string }> {
    const user = await this.user(userName);
    let url: URL;
    try {
      url = new URL(server);
    } catch {
      throw new AdminError(`--server "${server}" is not a URL (like https://countersign.example.com).`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      throw new AdminError(`--server must be an http:// or https:// URL (got "${server}").`);
    }
    const issued = await issuePairingCode(this.ctx, user.id);
    const base = server.replace(/\/+$/, '');
    return { pairing_url: pairingUrl(base, issued.code), code: issued.code, expires_at: iso(issued.expiresAt) };
  }

  close(): Promise<void> {
    return this.store.close();
  }

  private async user(name: string) {
    const user = await this.store.users.byName(name);
    if (!user) throw new AdminError(`No user named "${name}". Create it with: countersign-admin user create NAME`);
    return user;
  }
}
