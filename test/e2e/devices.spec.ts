// Devices: a device paired elsewhere shows up as a notice in the app (the path on desktops whose notifications
// report no clicks), its Remove button removes it at the server after a confirmation, and the Devices view lists
// the user's devices and the server's audit trail. Real core, real server, the real IPC handlers.
import { expect, test } from './support/fixtures.js';

test.describe('devices', () => {
  test('a new device: the notice names it; Remove (confirmed) removes it at the server; the audit trail says so', async ({
    world,
    approver,
  }) => {
    const page = approver.page;
    await approver.open('devices');
    await expect(page.getByRole('heading', { level: 1, name: 'Devices' })).toBeVisible();
    const devices = page.getByRole('region', { name: /^Approver devices of alice/ });
    await expect(devices.getByRole('row')).toHaveCount(2);
    await expect(devices.getByRole('row', { name: /e2e approver/ })).toContainText('This desktop');
    const trail = page.getByRole('region', { name: /^Audit trail/ });
    await expect(trail.getByRole('row')).toHaveCount(2);

    // Paired with a code from the operator, while the window is open.
    const other = await world.pairWithCode((await world.issuePairingCode()).code);
    const notice = page.locator('.notice').filter({ hasText: 'New approver ‘other device’ (linux) paired' });
    await expect(notice).toBeVisible();
    await expect(notice).toContainText('from 127.0.0.1 at');
    await expect(notice).toContainText("with a code from the server's operator. Not you? Remove it.");
    // The lists follow: a new device, a new trail entry.
    await expect(devices.getByRole('row')).toHaveCount(3);
    await expect(trail.getByRole('row').nth(1)).toContainText('Paired');
    await expect(trail.getByRole('row').nth(1)).toContainText('other device');

    await notice.getByRole('button', { name: 'Remove ‘other device’…' }).click();
    const dialog = page.getByRole('dialog', { name: 'Remove approver ‘other device’?' });
    await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await dialog.getByRole('button', { name: 'Remove device' }).click();
    await expect(page.getByRole('status').getByText('‘other device’ was removed.')).toBeVisible();

    // At the server: gone, and its signature no longer works.
    const listed = await world.core.listDevices(world.account.id);
    expect(listed.ok && listed.value.map((d) => d.name)).toEqual(['e2e approver']);
    expect((await other.request('GET', `/v1/user/${other.userId}/approver-device`)).status).toBe(401);
    await expect(notice).toHaveCount(0);
    await expect(devices.getByRole('row')).toHaveCount(2);
    const removal = trail.getByRole('row').nth(1);
    await expect(removal).toContainText('Removed');
    await expect(removal).toContainText('other device');
    await expect(removal).toContainText('e2e approver');
    await expect(removal).toContainText('127.0.0.1');
  });

  test('a removal by another device says who removed whom; Dismiss keeps it dismissed', async ({ world, approver }) => {
    const page = approver.page;
    const phone = await world.pairWithCode((await world.issuePairingCode()).code, 'alice phone');
    const tablet = await world.pairWithCode((await world.issuePairingCode()).code, 'alice tablet');
    await expect.poll(() => world.core.deviceNotices().length).toBe(2);
    expect((await phone.request('DELETE', `/v1/approver-device/${tablet.id}`)).status).toBe(200);
    await expect.poll(() => world.core.deviceNotices().some((n) => n.kind === 'removed')).toBe(true);

    // Any management window shows it.
    await approver.open('keys');
    const removed = page.locator('.notice').filter({ hasText: 'Approver ‘alice tablet’ was removed by ‘alice phone’' });
    await expect(removed).toHaveCount(1);
    await removed.getByRole('button', { name: /^Dismiss/ }).click();
    await expect(removed).toHaveCount(0);
    // "It was me" for the remaining pairing notice.
    await page.getByRole('button', { name: /^It was me — dismiss/ }).click();
    await expect(page.locator('.notice')).toHaveCount(0);
    await approver.open('accounts');
    await expect(page.getByRole('heading', { level: 1, name: 'Accounts' })).toBeVisible();
    await expect(page.locator('.notice')).toHaveCount(0);
    expect(world.core.deviceNotices()).toEqual([]);
  });

  test("this desktop's own device cannot be removed from the list (the account is removed in Accounts)", async ({
    approver,
  }) => {
    await approver.open('devices');
    const own = approver.page
      .getByRole('region', { name: /^Approver devices of alice/ })
      .getByRole('row', { name: /e2e approver/ });
    await expect(own).toContainText('Remove the account in Accounts');
    await expect(own.getByRole('button')).toHaveCount(0);
  });
});
