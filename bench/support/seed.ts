// Fills a fresh database before the server starts (a SQLite file or a PostgreSQL URL, through the server's own
// openStore): users, push-mode API keys and approver devices with real Ed25519 key pairs. Devices are written
// through the store instead of being paired one by one over HTTP, because pairing is not what is measured and
// 10 000 pairings would dominate the run; every connection the benchmarks then make is a real signed upgrade with
// these keys.
import { generateDeviceKeyPair } from '../../protocol/crypto.js';
import { defaultConfig } from '../../server/config.js';
import { InProcessHub } from '../../server/push/hub.js';
import { CredentialService } from '../../server/services/credentials.js';
import { openStore } from '../../server/store/open.js';
import type { Store } from '../../server/store/types.js';

export interface SeededDevice {
  id: number;
  userId: number;
  /** base64url Ed25519 seed, as the desktop keeps it in the keychain. */
  privateKey: string;
}

/** A user who asks for sessions and approves them: one push-mode key and one device. */
export interface SeededPair {
  apiKey: string;
  device: SeededDevice;
}

export interface Seeded {
  /** The user the latency benchmarks send requests to. */
  target: SeededPair;
  /** One user each for the throughput benchmark's requester/approver pairs. */
  workers: SeededPair[];
  /** Devices that only stay connected, spread over many users. */
  idle: SeededDevice[];
}

export interface SeedPlan {
  workers: number;
  idleDevices: number;
  idleDevicesPerUser: number;
}

async function addDevice(store: Store, userId: number, name: string): Promise<SeededDevice> {
  const keys = generateDeviceKeyPair();
  const row = await store.devices.create({
    userId,
    name,
    platform: 'linux',
    publicKey: keys.publicKey,
    created: Date.now(),
  });
  return { id: row.id, userId, privateKey: keys.privateKey };
}

async function addPair(store: Store, name: string): Promise<SeededPair> {
  const user = await store.users.create(name, Date.now());
  const { apiKey } = await new CredentialService({ store, hub: new InProcessHub(), config: defaultConfig }).create(
    user.id,
    // No typed code: the benchmark's device approves at once, as an owner who has read it would.
    { name: `${name} key`, mode: 'push', codeLength: 0 },
  );
  return { apiKey, device: await addDevice(store, user.id, `${name} desktop`) };
}

/** db: a SQLite file path or a postgres:// URL, as countersign-server's --db takes it. */
export async function seed(db: string, plan: SeedPlan): Promise<Seeded> {
  const store = await openStore(db);
  try {
    const target = await addPair(store, 'target');
    const workers: SeededPair[] = [];
    for (let i = 0; i < plan.workers; i += 1) workers.push(await addPair(store, `worker-${i}`));
    // One transaction for the idle fleet: 10 000 single-row commits would take longer than the benchmark itself.
    const idle = await store.transaction(async (tx) => {
      const devices: SeededDevice[] = [];
      let userId = 0;
      for (let i = 0; i < plan.idleDevices; i += 1) {
        if (i % plan.idleDevicesPerUser === 0) userId = (await tx.users.create(`idle-${i}`, Date.now())).id;
        const keys = generateDeviceKeyPair();
        const row = await tx.devices.create({
          userId,
          name: `idle desktop ${i}`,
          platform: 'linux',
          publicKey: keys.publicKey,
          created: Date.now(),
        });
        devices.push({ id: row.id, userId, privateKey: keys.privateKey });
      }
      return devices;
    });
    return { target, workers, idle };
  } finally {
    await store.close();
  }
}
