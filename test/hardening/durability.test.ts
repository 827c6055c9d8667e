// Durability: requests in flight across a kill -9 of the server and a restart on the same database and port all
// end as decided: nothing lost or doubled, every token delivered once. The 1 000-request variant is in
// test/stress; a device's network drop is in network-drop.test.ts.
import { expect, it } from 'vitest';
import { killAndRestart } from './support/kill-restart.js';
import { report } from './support/world.js';

it('60 requests in flight across kill -9 and a restart all end as decided, each token delivered once', async () => {
  const figures = await killAndRestart({ requests: 60, keysPerUser: 15, requestLifetimeSeconds: 30 });
  expect(figures).toMatchObject({ lost: 0, doubled: 0, tokens_delivered: 20, tokens_delivered_twice: 0 });
  report('kill-9', figures);
}, 120_000);
