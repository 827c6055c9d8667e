// 1 000 requests in flight across kill -9 of the server process and a restart on the same database and port:
// every one ends as decided, none lost or doubled, every token delivered exactly once.
import { expect, it } from 'vitest';
import { killAndRestart } from '../hardening/support/kill-restart.js';
import { report } from '../hardening/support/world.js';

it('1 000 requests in flight across kill -9 and a restart all end as decided, each token delivered once', async () => {
  const figures = await killAndRestart({ requests: 1_000, keysPerUser: 25, requestLifetimeSeconds: 150 });
  expect(figures).toMatchObject({ lost: 0, doubled: 0, tokens_delivered_twice: 0 });
  // Two fates in six end approved: indexes 0 and 3 modulo 6.
  expect(figures.tokens_delivered).toBe(334);
  report('kill-9 (stress)', figures);
});
