// Server instances without HTTP, for the hub tests: each has its own PostgreSQL store (its own pool), its own
// PostgresHub and the real domain services on top, all on one database, as two countersign-server processes would.
// Streams are recording DeviceStreams (what the WebSocket route hands the hub); the process-level test uses real ones.
import { randomBytes } from 'node:crypto';
import type { Decision, ServerMessage } from '../../../protocol/index.js';
import { canonicalDecision } from '../../../protocol/index.js';
import { generateDeviceKeyPair, privateKeyObject, signText } from '../../../protocol/crypto.js';
import { defaultConfig, type ServerConfig } from '../../../server/config.js';
import type { DeviceStream } from '../../../server/push/hub.js';
import { listenApplicationName } from '../../../server/push/pg-listener.js';
import { type PostgresHubOptions, startPostgresHub } from '../../../server/push/postgres-hub.js';
import { createServices, type Services } from '../../../server/services/index.js';
import { VerifiedCall } from '../../../server/services/devices.js';
import { openStore } from '../../../server/store/open.js';
import type { DeviceRow, Store } from '../../../server/store/types.js';
import { queryUrl, testClusterUrl } from '../../support/postgres.js';

/** Every instance of one test shares the TOTP sealing key, as the design requires. */
const TOTP_KEY = randomBytes(32);
/** What the consuming API presents to introspect sessions on these instances. */
export const INTROSPECTION_SECRET = 'scale-out-introspection-secret';

export interface LogEntry {
  level: 'warn' | 'error';
  msg: string;
  obj: object;
}

/** Which rows an instance's push hub read, by uuid or credential id: the hub reads through this store. */
export interface ReadCounter {
  requestUuids: string[];
  credentialIds: number[];
}

export interface Instance {
  store: Store;
  hub: Awaited<ReturnType<typeof startPostgresHub>>;
  services: Services;
  config: ServerConfig;
  log: LogEntry[];
  /** Rows the hub (not the services) read. */
  hubReads: ReadCounter;
  close(): Promise<void>;
}

/** A view of the store for the hub alone that records every row it reads, so a test can say what was not read. */
function countingStore(store: Store, reads: ReadCounter): Store {
  return {
    ...store,
    requests: {
      ...store.requests,
      byUuid: (uuid) => {
        reads.requestUuids.push(uuid);
        return store.requests.byUuid(uuid);
      },
      changedSince: (since) => {
        reads.requestUuids.push(`changedSince:${since}`);
        return store.requests.changedSince(since);
      },
    },
    credentials: {
      ...store.credentials,
      byId: (id) => {
        reads.credentialIds.push(id);
        return store.credentials.byId(id);
      },
    },
  };
}

export async function startInstance(
  url: string,
  hubOptions: Partial<Omit<PostgresHubOptions, 'store'>> = {},
): Promise<Instance> {
  const store = await openStore(url, { poolSize: 4 });
  const log: LogEntry[] = [];
  const hubReads: ReadCounter = { requestUuids: [], credentialIds: [] };
  const hub = await startPostgresHub({
    connectionString: url,
    store: countingStore(store, hubReads),
    log: {
      warn: (obj, msg) => log.push({ level: 'warn', msg, obj }),
      error: (obj, msg) => log.push({ level: 'error', msg, obj }),
    },
    ...hubOptions,
  }).catch(async (error: unknown) => {
    await store.close();
    throw error;
  });
  // Long request lifetime: a long-poll in these tests ends only when woken, never by expiry.
  const config: ServerConfig = {
    ...defaultConfig,
    requestLifetimeSeconds: 3600,
    totpKey: TOTP_KEY,
    introspectionSecret: INTROSPECTION_SECRET,
  };
  const services = createServices({ store, hub, config });
  let closing: Promise<void> | null = null;
  return {
    store,
    hub,
    services,
    config,
    log,
    hubReads,
    close: () => {
      closing ??= (async () => {
        await hub.close();
        await store.close();
      })();
      return closing;
    },
  };
}

/** A stream as the WebSocket route attaches it, recording what the hub sends and how it was closed. */
export class RecordingStream implements DeviceStream {
  readonly received: ServerMessage[] = [];
  closedWith: { code: number; reason: string } | null = null;
  private readonly listeners = new Set<() => void>();

  constructor(
    readonly deviceId: number,
    readonly userId: number,
  ) {}

  send(message: ServerMessage): void {
    this.received.push(message);
    for (const listener of this.listeners) listener();
  }

  close(code: number, reason: string): void {
    this.closedWith ??= { code, reason };
    for (const listener of this.listeners) listener();
  }

  /** Resolves with the first received message (already or later) that matches; fails after timeoutMs. */
  waitFor<T extends ServerMessage>(match: (message: ServerMessage) => message is T, timeoutMs?: number): Promise<T>;
  waitFor(match: (message: ServerMessage) => boolean, timeoutMs?: number): Promise<ServerMessage>;
  waitFor(match: (message: ServerMessage) => boolean, timeoutMs = 15_000): Promise<ServerMessage> {
    return this.until(() => this.received.find(match) ?? null, timeoutMs, 'message');
  }

  waitForClose(timeoutMs = 15_000): Promise<{ code: number; reason: string }> {
    return this.until(() => this.closedWith, timeoutMs, 'close');
  }

  private until<T>(found: () => T | null, timeoutMs: number, what: string): Promise<T> {
    return new Promise((resolve, reject) => {
      const check = () => {
        const value = found();
        if (value === null) return;
        clearTimeout(timer);
        this.listeners.delete(check);
        resolve(value);
      };
      const timer = setTimeout(() => {
        this.listeners.delete(check);
        reject(new Error(`no ${what} within ${timeoutMs} ms; received: ${JSON.stringify(this.received)}`));
      }, timeoutMs);
      this.listeners.add(check);
      check();
    });
  }
}

export const requested = (uuid: string) => (message: ServerMessage) =>
  message.type === 'approval.requested' && message.request.uuid === uuid;
export const resolved = (uuid: string) => (message: ServerMessage) =>
  message.type === 'approval.resolved' && message.uuid === uuid;

/** A user with one push-unless-trusted key and one device whose key can sign decisions. */
export async function seedUser(instance: Instance, name: string) {
  const now = Date.now();
  const user = await instance.store.users.create(name, now);
  const { credential, apiKey } = await instance.services.credentials.create(user.id, {
    name: `${name}'s key`,
    mode: 'push',
    codeLength: 0,
  });
  const device = await addDevice(instance, user.id, `${name}-laptop`);
  return { user, credential, apiKey, device };
}

export interface SeededDevice {
  row: DeviceRow;
  /** A signed decision from this device, ready for ApprovalService.decide. */
  decision(uuid: string, decision: Omit<Decision, 'signature'>): Decision;
  /**
   * A call from this device as the router hands it to ApprovalService.decide once its request signature verified
   * (these tests call the services directly, so its signature bytes are only distinct, not a real signature).
   */
  call(): VerifiedCall;
}

export async function addDevice(instance: Instance, userId: number, name: string): Promise<SeededDevice> {
  const keys = generateDeviceKeyPair();
  const row = await instance.store.devices.create({
    userId,
    name,
    platform: 'linux',
    publicKey: keys.publicKey,
    created: Date.now(),
  });
  const privateKey = privateKeyObject(keys.privateKey);
  return {
    row,
    decision: (uuid, decision) => ({ ...decision, signature: signText(privateKey, canonicalDecision(uuid, decision)) }),
    call: () => new VerifiedCall(row, randomBytes(64), Date.now()),
  };
}

let asked = 0;

/** A session attempt from 127.0.0.1 (an unknown IP for every key here), as POST /v1/session-server makes it. */
export async function ask(instance: Instance, apiKey: string, description = 'deploy job') {
  const outcome = await instance.services.approvals.attempt({
    secret: apiKey,
    description,
    ip: '127.0.0.1',
    // Its own job each time: identical attempts would merge into one request.
    userAgent: `scale-out-test/${++asked}`,
    geolocation: null,
    observed: instance.services.observer.observe('127.0.0.1'),
  });
  if (outcome.kind !== 'asked') throw new Error(`expected a PENDING request, got ${outcome.kind}`);
  return outcome.request;
}

/** The backends of the instance's LISTEN connection (none once closed, none for a publish-only hub). */
export async function listenBackends(instance: Instance): Promise<number[]> {
  const rows = await queryUrl<{ pid: number }>(
    testClusterUrl(),
    'SELECT pid FROM pg_stat_activity WHERE application_name = $1',
    [listenApplicationName(instance.hub.instanceId)],
  );
  return rows.map((row) => row.pid);
}
