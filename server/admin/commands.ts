// What countersign-admin does, as functions over a store: usable by the command line and by tests. They work on
// the database file while a server runs on it (WAL, busy timeout).
import { DisplayText, KeyMode, Limits, PermittedIpValue, pairingUrl } from '../../protocol/index.js';
import { defaultConfig, type ServerConfig } from '../config.js';
import { iso } from '../views/wire.js';
import { InProcessHub } from '../push/hub.js';
import { type PostgresHub, startPostgresHub } from '../push/postgres-hub.js';
import type { ServiceContext } from '../services/context.js';
import { OperatorService } from '../services/operator.js';
import { PublicKeyCache } from '../services/public-keys.js';
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
  /**
   * Digits of the code the requester shows and the owner types (0: none). Without it, as before typed codes:
   * numberMatching true asks for the default 3 digits, else no code. (The command line passes 3 unless told.)
   */
  codeLength?: number;
  numberMatching?: boolean;
  codeFallback?: boolean;
}

export const UserName = DisplayText(100).refine((name) => name.trim().length > 0, 'must not be empty');

export class AdminCommands {
  // A new user, key or pairing code is news to nobody yet: those commands need no push, so they get a hub that
  // reaches no device. Removing a device or deactivating a key does tell the user's devices (pushHub()).
  private readonly ctx: ServiceContext;
  private publisher: PostgresHub | null = null;

  constructor(
    readonly store: Store,
    config: Partial<ServerConfig> = {},
    /** The database as given (--db): with PostgreSQL, pushes go to the server instances through it. */
    private readonly db: string | null = null,
  ) {
    this.ctx = { store, hub: new InProcessHub(), config: { ...defaultConfig, ...config } };
  }

  /** db: a SQLite file or a postgres:// URL, as countersign-server's --db. */
  static async open(db: string, config: Partial<ServerConfig> = {}): Promise<AdminCommands> {
    return new AdminCommands(await openStore(db), config, db);
  }

  /**
   * Services whose pushes reach the user's connected devices. On PostgreSQL a publish-only hub: NOTIFY tells every
   * server instance, none is listened to. On SQLite the server on the same file picks the change up from the
   * rows itself (server/push/sqlite-hub.ts).
   */
  async pushContext(): Promise<ServiceContext> {
    if (this.store.kind !== 'postgres' || this.db === null) return this.ctx;
    this.publisher ??= await startPostgresHub({ connectionString: this.db, store: this.store, listen: false });
    return { ...this.ctx, hub: this.publisher };
  }

  /** The named user, or an AdminError that says how to make one. */
  async user(name: string) {
    const user = await this.store.users.byName(name);
    if (!user) throw new AdminError(`No user named "${name}". Create it with: countersign-admin user create NAME`);
    if (user.removed !== null) throw new AdminError(`User "${name}" was removed at ${iso(user.removed)}.`);
    return user;
  }

  /** The operator's service (shared with the operator API); pushes reach devices when push is set. */
  async operator(push = false): Promise<OperatorService> {
    // Its own key cache: this process verifies no signature, and a server refuses a removed device by its row.
    return new OperatorService(push ? await this.pushContext() : this.ctx, new PublicKeyCache());
  }

  /** Removes the user: keys deactivated, devices removed (their streams close), pairing codes ended. */
  async removeUser(
    name: string,
  ): Promise<{ id: number; name: string; removed_at: string; keys_deactivated: number; devices_removed: number }> {
    const user = await this.user(name);
    const removed = await (await this.operator(true)).removeUser(user.id);
    return {
      id: user.id,
      name: user.name,
      removed_at: iso(removed.user.removed!),
      keys_deactivated: removed.keys,
      devices_removed: removed.devices,
    };
  }

  async createUser(name: string): Promise<{ id: number; name: string }> {
    const checked = UserName.safeParse(name);
    if (!checked.success) throw new AdminError(`The user name ${checked.error.issues[0]?.message ?? 'is not valid'}.`);
    if (await this.store.users.byName(name)) throw new AdminError(`A user named "${name}" already exists.`);
    const user = await (await this.operator()).createUser(name);
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
    const { credential, apiKey } = await (await this.operator()).createKey(user.id, {
      name: request.name,
      mode: mode.data,
      codeLength: request.codeLength ?? (request.numberMatching ? Limits.DEFAULT_CODE_LENGTH : 0),
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
    const issued = await (await this.operator()).pairingCode(user.id);
    const base = server.replace(/\/+$/, '');
    return { pairing_url: pairingUrl(base, issued.code), code: issued.code, expires_at: iso(issued.expiresAt) };
  }

  /** Sends what is still to be pushed, then closes the database. */
  async close(): Promise<void> {
    await this.publisher?.close();
    await this.store.close();
  }
}
