// The bad-input corpus at 100 000 malformed requests and 2 000 bad push-stream frames (seeded, reproducible with
// COUNTERSIGN_FUZZ_SEED): every one refused with a 4xx and the Error envelope or a 4400 close, nothing changed.
import { expect, it } from 'vitest';
import { runBadInputCorpus } from '../hardening/support/bad-input.js';
import { report } from '../hardening/support/world.js';

const seed = Number(process.env.COUNTERSIGN_FUZZ_SEED ?? 20261124);

it(`100 000 malformed requests and 2 000 bad stream frames are all refused, nothing changes (seed ${seed})`, async () => {
  const figures = await runBadInputCorpus({ requests: 100_000, streamMessages: 2_000, seed });
  expect(figures.requests).toBeGreaterThanOrEqual(100_000);
  expect(figures.violations).toBe(0);
  report('bad-input (stress)', figures);
});
