// History: this desktop's own record and the server's, with filters.
import { expect, test } from './support/fixtures.js';

test.describe('history', () => {
  test('shows what was decided here and what the server recorded, filtered by key and status', async ({
    world,
    approver,
  }) => {
    const a = await world.createKey({ name: 'approved-key', mode: 'push' });
    const b = await world.createKey({ name: 'blocked-key', mode: 'push' });
    for (const [key, decision] of [
      [a, 'APPROVE'],
      [b, 'BLOCK'],
    ] as const) {
      const session = world.requestSession(key.apiKey, { description: `${decision.toLowerCase()} me` });
      await expect.poll(() => world.core.pending().length).toBe(1);
      const [pending] = world.core.pending();
      await world.core.decide(world.account.id, pending?.request.uuid ?? '', { decision });
      await session;
    }

    await approver.open('history');
    const page = approver.page;
    const table = page.getByRole('table');
    await expect(page.getByRole('heading', { name: /Requests this desktop saw/ })).toBeVisible();
    await expect(table.getByRole('row', { name: /approved-key/ })).toContainText('Approved here');
    await expect(table.getByRole('row', { name: /blocked-key/ })).toContainText('Blocked here');

    await page.getByLabel('Status').selectOption({ label: 'Blocked' });
    await expect(table.getByRole('row')).toHaveCount(2); // header + one
    await expect(table).toContainText('blocked-key');
    await page.getByLabel('Status').selectOption({ label: 'Any status' });
    await page.getByLabel('Key', { exact: true }).selectOption({ label: 'approved-key' });
    await expect(table.getByRole('row')).toHaveCount(2);
    await expect(table).toContainText('approve me');

    await page.getByLabel('Key', { exact: true }).selectOption({ label: 'All keys' });
    await page.getByRole('radio', { name: 'Server' }).check();
    await expect(page.getByRole('heading', { name: /Requests the server recorded/ })).toBeVisible();
    await expect(table.getByRole('row', { name: /approved-key/ })).toContainText('Approved on this desktop');
    await expect(table.getByRole('row', { name: /blocked-key/ })).toContainText('Blocked on this desktop');
  });
});
