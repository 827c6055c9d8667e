// Webhooks are durable: with the receiver down the events wait in the outbox (and countersign-admin webhook status
// says why), survive a kill -9 of the server, and reach the receiver once it is back, each event id accepted once.
// Real countersign-server processes, a real receiver on loopback and the real countersign-admin.
import { spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { AdminCommands } from '../../server/admin/commands.js';
import { collectOutput } from '../support/child-output.js';
import { ADMIN_BIN, createTestDb, type ServerProcess, startServerProcess, type TestDb } from '../support/server.js';
import { newWebhookSecret, WebhookReceiver } from '../support/webhook-receiver.js';
import { eventually, openedAttempt, queryDb } from './helpers.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

function adminJson<T>(db: string, ...args: string[]): Promise<T> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [ADMIN_BIN, '--db', db, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    const output = collectOutput(child);
    child.once('error', reject);
    child.once('close', (code) => {
      if (code !== 0) reject(new Error(`countersign-admin ${args.join(' ')}: exit ${code}: ${output.stderr}`));
      else resolve(JSON.parse(output.stdout) as T);
    });
  });
}

function serverWithHooks(database: TestDb, receiver: WebhookReceiver, secret: string): Promise<ServerProcess> {
  return startServerProcess({
    db: database.db,
    totpKey: database.totpKey,
    extraArgs: ['--webhook-url', receiver.url, '--webhook-max-retry-interval', '1'],
    env: { ...process.env, COUNTERSIGN_WEBHOOK_SECRET: secret },
  });
}

interface Status {
  pending: number;
  delivered: number;
  failing: number;
  given_up: number;
  receivers: { url: string; failing: number; last_error: string }[];
}

describe('webhook delivery across a receiver outage and a kill -9', () => {
  it('loses nothing, and each event id is accepted once', async () => {
    const database = await createTestDb();
    cleanup.push(() => database.remove());
    const secret = newWebhookSecret();
    const receiver = await WebhookReceiver.start(secret);
    cleanup.push(() => receiver.close());
    await receiver.down();

    let server = await serverWithHooks(database, receiver, secret);
    cleanup.push(() => server.stop('SIGKILL'));
    const admin = await AdminCommands.open(database.db);
    cleanup.push(() => admin.close());
    await admin.createUser('alice');
    const keys = [];
    for (let i = 0; i < 3; i += 1) {
      keys.push(await admin.createKey({ user: 'alice', name: `k${i}`, mode: 'ip-only', ips: ['127.0.0.1'] }));
    }
    for (const key of keys) await openedAttempt({ url: server.url } as never, key.api_key);

    // Down: every event fails with the connection refused, and the operator can see that.
    const failing = await eventually(async () => {
      const status = await adminJson<Status>(database.db, 'webhook', 'status');
      return status.failing === 6 ? status : undefined;
    });
    expect(failing).toMatchObject({ pending: 0, delivered: 0, given_up: 0 });
    expect(failing.receivers).toEqual([
      expect.objectContaining({ url: receiver.url, failing: 6, last_error: expect.stringMatching(/ECONNREFUSED/) }),
    ]);

    // The server dies without a chance to clean up; another starts on the same database.
    await server.stop('SIGKILL');
    await receiver.listen();
    server = await serverWithHooks(database, receiver, secret);

    const ids = (await queryDb<{ event_id: string }>(database.db, 'SELECT event_id FROM webhook_outbox')).map(
      (row) => row.event_id,
    );
    expect(ids).toHaveLength(6);
    await eventually(async () => (receiver.accepted().length === 6 ? true : undefined), 30_000);
    expect(
      receiver
        .accepted()
        .map((d) => d.id)
        .sort(),
    ).toEqual([...ids].sort());
    expect(receiver.deliveries.every((d) => d.verified)).toBe(true);
    const types = receiver.accepted().map((d) => d.parsed.type);
    expect(types.filter((t) => t === 'key.created')).toHaveLength(3);
    expect(types.filter((t) => t === 'session.opened')).toHaveLength(3);
    const done = await eventually(async () => {
      const status = await adminJson<Status>(database.db, 'webhook', 'status');
      return status.delivered === 6 ? status : undefined;
    });
    expect(done).toMatchObject({ pending: 0, failing: 0, receivers: [] });

    // Redeliver: the operator sends one event again (same id), and a wrong id is a clear error.
    const again = await adminJson<{ redelivered: string[] }>(database.db, 'webhook', 'redeliver', '--event', ids[0]!);
    expect(again).toEqual({ redelivered: [ids[0]] });
    await eventually(async () =>
      receiver.deliveries.filter((d) => d.id === ids[0] && d.answered === 'ok').length === 2 ? true : undefined,
    );
    await expect(adminJson(database.db, 'webhook', 'redeliver', '--event', 'evt_nope')).rejects.toThrow(
      /No webhook event "evt_nope"/,
    );
    await expect(adminJson(database.db, 'webhook', 'redeliver')).rejects.toThrow(/--event ID or --failed/);
  });

  it('redeliver --failed names the failing events and sends them again', async () => {
    const database = await createTestDb();
    cleanup.push(() => database.remove());
    const secret = newWebhookSecret();
    const receiver = await WebhookReceiver.start(secret);
    cleanup.push(() => receiver.close());
    receiver.mode = 'fail';
    const server = await serverWithHooks(database, receiver, secret);
    cleanup.push(() => server.stop('SIGKILL'));
    const admin = await AdminCommands.open(database.db);
    cleanup.push(() => admin.close());
    await admin.createUser('alice');
    await admin.createKey({ user: 'alice', name: 'k', mode: 'push' });
    await eventually(async () => {
      const status = await adminJson<Status>(database.db, 'webhook', 'status');
      return status.failing === 1 ? status : undefined;
    });
    // Down now, so the event cannot be delivered behind the command's back: it is still failing when asked.
    await receiver.down();
    receiver.mode = 'ok';
    const { redelivered } = await adminJson<{ redelivered: string[] }>(database.db, 'webhook', 'redeliver', '--failed');
    expect(redelivered).toHaveLength(1);
    await receiver.listen();
    await eventually(async () => (receiver.accepted().some((d) => d.id === redelivered[0]) ? true : undefined));
  });
});
