// Accounts: connection state, inviting another device, pairing from a link or a server and code, removing.
import { expect, test } from './support/fixtures.js';

test.describe('accounts', () => {
  test('shows the paired account as connected and invites another device', async ({ world, approver }) => {
    await approver.open('accounts');
    const page = approver.page;
    const item = page.getByRole('listitem').filter({ hasText: world.account.userName });
    await expect(item.getByText('Connected')).toBeVisible();
    await expect(item.getByText(world.account.server)).toBeVisible();

    await item.getByRole('button', { name: /Invite another device/ }).click();
    const invite = item.getByRole('region', { name: 'Invitation for another device' });
    await expect(invite.getByText(/^countersign:\/\/pair\?/)).toBeVisible();
    const code = (await invite.locator('.code-big').textContent()) ?? '';
    expect(code.length).toBeGreaterThan(4);
    // The code really pairs a second device of the same user.
    const other = await world.pairWithCode(code);
    expect(other.userId).toBe(world.account.userId);
  });

  test('pairs from a pasted link and from a server and code, then removes an account after confirmation', async ({
    world,
    unpaired,
  }) => {
    const page = unpaired.page;
    await unpaired.open('accounts');
    await expect(page.getByText('No account yet')).toBeVisible();

    const first = await world.issuePairingCode();
    const form = page.getByRole('form', { name: 'Pair with an account' });
    await form.getByLabel('Pairing link').fill(first.pairing_url);
    await form.getByLabel('Name of this desktop (optional)').fill('e2e desktop');
    await form.getByRole('button', { name: 'Pair' }).click();
    await expect(page.getByRole('status').getByText(/^Paired with /)).toBeVisible();
    const item = page.getByRole('listitem').filter({ hasText: 'e2e desktop' });
    await expect(item.getByText('Connected')).toBeVisible({ timeout: 20_000 });

    // A used code is refused, and the page says so in words.
    await form.getByLabel('Pairing link').fill(first.pairing_url);
    await form.getByRole('button', { name: 'Pair' }).click();
    await expect(form.getByRole('alert')).toContainText('Pairing failed');

    await item.getByRole('button', { name: /^Remove/ }).click();
    const dialog = page.getByRole('dialog');
    await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await dialog.getByRole('button', { name: 'Remove account' }).click();
    await expect(page.getByText('No account yet')).toBeVisible();
    expect(unpaired.core.listAccounts()).toEqual([]);

    const second = await world.issuePairingCode();
    await form.getByRole('radio', { name: 'A server and a code' }).check();
    await form.getByLabel('Server address').fill(world.serverUrl);
    await form.getByLabel('Pairing code').fill(second.code);
    await form.getByRole('button', { name: 'Pair' }).click();
    await expect(page.getByRole('listitem').getByText('Connected')).toBeVisible({ timeout: 20_000 });
    expect(unpaired.core.listAccounts()).toHaveLength(1);
  });

  test('the connection state follows the server: offline with a reason when it goes away', async ({
    world,
    approver,
  }) => {
    await approver.open('accounts');
    const item = approver.page.getByRole('listitem').filter({ hasText: world.account.userName });
    await expect(item.getByText('Connected')).toBeVisible();
    await world.stopServer();
    // Between retries it says why it is offline and when it tries again (then shows "Connecting…" while it does).
    await expect(item.getByText(/^Offline .*ECONNREFUSED.* Retrying at /)).toBeVisible({ timeout: 30_000 });
  });

  test('start at login is a real setting of this desktop', async ({ approver }) => {
    await approver.open('accounts');
    const box = approver.page.getByRole('checkbox', { name: 'Start Countersign when I log in' });
    await expect(box).not.toBeChecked();
    await box.check();
    await expect(box).toBeChecked();
    await approver.open('accounts');
    await expect(approver.page.getByRole('checkbox', { name: 'Start Countersign when I log in' })).toBeChecked();
  });

  test('Escape cancels removing an account', async ({ world, approver }) => {
    await approver.open('accounts');
    const page = approver.page;
    await page.getByRole('button', { name: /^Remove/ }).click();
    await expect(page.getByRole('dialog')).toBeVisible();
    await page.keyboard.press('Escape');
    await expect(page.getByRole('dialog')).toHaveCount(0);
    expect(world.core.listAccounts()).toHaveLength(1);
  });
});
