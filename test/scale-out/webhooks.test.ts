// Two server instances on one PostgreSQL database deliver one webhook outbox: each event goes out from one
// instance at a time (FOR UPDATE SKIP LOCKED and a lease), never twice at once, and every event arrives.
import { randomBytes } from 'node:crypto';
import { afterEach, describe, expect, it } from 'vitest';
import { AdminCommands } from '../../server/admin/commands.js';
import { createTestDatabase } from '../support/postgres.js';
import { startTestServer } from '../support/server.js';
import { newWebhookSecret, WebhookReceiver } from '../support/webhook-receiver.js';
import { eventually, queryDb } from '../server/helpers.js';

const cleanup: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

describe('webhooks on two PostgreSQL instances', () => {
  it('never deliver one event twice at once, and deliver every event', async () => {
    const database = await createTestDatabase();
    cleanup.push(database.drop);
    const secret = newWebhookSecret();
    const receiver = await WebhookReceiver.start(secret);
    cleanup.push(() => receiver.close());
    // Slow answers keep many deliveries in flight on both instances at the same time.
    receiver.delayMs = 150;
    const totpKey = randomBytes(32);
    const webhooks = { urls: [receiver.url], secret, pollMs: 20, concurrency: 4 };
    const a = await startTestServer({ db: database.url, totpKey, webhooks });
    cleanup.push(() => a.close());
    const b = await startTestServer({ db: database.url, totpKey, webhooks });
    cleanup.push(() => b.close());

    const admin = await AdminCommands.open(database.url);
    cleanup.push(() => admin.close());
    await admin.createUser('alice');
    for (let i = 0; i < 40; i += 1) await admin.createKey({ user: 'alice', name: `k${i}`, mode: 'push' });

    const ids = (await queryDb<{ event_id: string }>(database.url, 'SELECT event_id FROM webhook_outbox')).map(
      (row) => row.event_id,
    );
    expect(ids).toHaveLength(40);
    await eventually(async () => (receiver.accepted().length === 40 ? true : undefined), 20_000);
    expect(
      receiver
        .accepted()
        .map((d) => d.id)
        .sort(),
    ).toEqual([...ids].sort());

    // Each event arrived once (every answer was a 2xx, so nothing needed a second attempt) …
    const perId = new Map<string, number>();
    for (const d of receiver.deliveries) perId.set(d.id, (perId.get(d.id) ?? 0) + 1);
    expect([...perId.values()].every((n) => n === 1)).toBe(true);
    // … and the two instances shared the work: at some moment more than 4 (one instance's limit) were in flight.
    const points = receiver.deliveries.flatMap((d) => [
      { at: d.start, step: 1 },
      { at: d.end ?? Number.POSITIVE_INFINITY, step: -1 },
    ]);
    points.sort((x, y) => x.at - y.at || x.step - y.step);
    let open = 0;
    let most = 0;
    for (const p of points) {
      open += p.step;
      most = Math.max(most, open);
    }
    expect(most).toBeGreaterThan(4);
  });
});
