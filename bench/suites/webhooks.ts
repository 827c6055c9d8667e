// What webhooks cost the approval path: the time from a session attempt to the requester holding the token (the
// attempt, the device's decision, the status read), on a server without webhooks, with a receiver that answers at
// once, and with one that never answers (every delivery slot hangs until its 10 s timeout). Deliveries run in the
// server's own process, off the request path, so the figures show what they take from it. Real server on loopback
// (SQLite), a real device and real receivers (plain node:http servers).
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestServer, type TestServer } from '../../test/support/server.js';
import { TestDevice } from '../../test/support/device.js';
import { newWebhookSecret } from '../../test/support/webhook-receiver.js';
import { attempt, readStatus } from '../../test/server/helpers.js';
import type { BenchPlan } from '../plan.js';
import { type LatencySummary, summarize } from '../support/stats.js';

export interface WebhookBenchResults {
  samples: number;
  /** Attempt → decision → token, per receiver behaviour. */
  approval_without_webhooks: LatencySummary;
  approval_with_answering_receiver: LatencySummary;
  approval_with_hanging_receiver: LatencySummary;
}

async function receiver(hang: boolean): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    req.resume();
    if (!hang) req.on('end', () => res.writeHead(204).end());
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hooks`, server };
}

async function approvals(server: TestServer, samples: number): Promise<number[]> {
  await server.admin.createUser('bench');
  const device = await TestDevice.pair(server.url, (await server.admin.pair('bench')).code, 'bench-device');
  const key = await server.admin.createKey({ user: 'bench', name: 'bench', mode: 'push' });
  const times: number[] = [];
  for (let i = 0; i < samples; i += 1) {
    const start = performance.now();
    const pending = await attempt(server, key.api_key);
    if (pending.status !== 202) throw new Error(`attempt: ${pending.status} ${pending.text}`);
    const uuid = (pending.json as { Response: [{ SessionServerRequest: { uuid: string } }] }).Response[0]
      .SessionServerRequest.uuid;
    const decided = await device.decide(uuid, { decision: 'APPROVE' });
    const read = await readStatus(server, uuid, key.api_key);
    if (pending.status !== 202 || decided.status !== 200 || read.status !== 200) {
      throw new Error(`approval failed: ${pending.status} ${decided.status} ${read.status}`);
    }
    times.push(performance.now() - start);
  }
  return times;
}

export async function webhookBenchmarks(plan: BenchPlan, log: (line: string) => void): Promise<WebhookBenchResults> {
  const samples = Math.max(20, Math.round(plan.samples / 5));
  const secret = newWebhookSecret();
  const run = async (hook: { url: string } | null) => {
    const server = await startTestServer({
      sessionLifetimeSeconds: 3600,
      sessionRateLimit: 0,
      ...(hook ? { webhooks: { urls: [hook.url], secret, timeoutMs: 10_000, pollMs: 250 } } : {}),
    });
    try {
      return await approvals(server, samples);
    } finally {
      await server.close();
    }
  };
  log(`webhooks: ${samples} approvals without webhooks`);
  const none = await run(null);
  const answering = await receiver(false);
  log('webhooks: with a receiver that answers');
  const ok = await run(answering);
  answering.server.close();
  const hanging = await receiver(true);
  log('webhooks: with a receiver that never answers');
  const hung = await run(hanging);
  hanging.server.closeAllConnections();
  hanging.server.close();
  return {
    samples,
    approval_without_webhooks: summarize(none),
    approval_with_answering_receiver: summarize(ok),
    approval_with_hanging_receiver: summarize(hung),
  };
}
