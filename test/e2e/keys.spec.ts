// The key manager against a real core and server: what the page changes is what the server then reports.
import { expect, test } from './support/fixtures.js';

test.describe('key manager', () => {
  test('creates a key whose value is shown once, copies, and works', async ({ world, approver, context }) => {
    await context.grantPermissions(['clipboard-read', 'clipboard-write']);
    await approver.open('keys');
    const page = approver.page;
    const form = page.getByRole('form', { name: 'Create a key' });
    await form.getByLabel('Name').fill('reporting');
    await form.getByLabel('Mode').selectOption({ label: 'IP allowlist only' });
    await expect(form.getByRole('checkbox', { name: 'Number matching' })).toBeDisabled();
    await form.getByLabel('Permitted IPs (optional)').fill('127.0.0.1');
    await form.getByRole('button', { name: 'Create key' }).click();

    const created = page.getByRole('region', { name: 'Key “reporting” created' });
    await expect(created.getByText('You will not see this again')).toBeVisible();
    await expect(created.getByRole('heading')).toBeFocused();
    const value = await created.getByRole('textbox', { name: 'API key' }).inputValue();
    expect(value.length).toBeGreaterThan(20);
    await created.getByRole('button', { name: 'Copy the API key of reporting' }).click();
    await expect(created.getByText('Copied')).toBeVisible();
    expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(value);

    // The server knows the key with what was chosen, and the value opens a session (ip-only from 127.0.0.1).
    const listed = await world.core.listKeys(world.account.id);
    const key = listed.ok ? listed.value.find((k) => k.name === 'reporting') : undefined;
    expect(key).toMatchObject({ mode: 'ip-only', number_matching: false, permitted_ip_count: 1, token_value: null });
    const session = await world.requestSession(value);
    expect(session).toMatchObject({ status: 'ACCEPTED', uuid: null });

    // Once dismissed, the value is gone from the page for good.
    await created.getByRole('button', { name: 'I have stored it' }).click();
    await expect(created).toHaveCount(0);
    await page.getByRole('button', { name: 'Refresh' }).click();
    const item = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'reporting' }) });
    await expect(item.getByText('Active', { exact: true })).toBeVisible();
    await expect(page.getByText(value)).toHaveCount(0);
  });

  test('refuses an invalid key before sending it', async ({ world, approver }) => {
    await approver.open('keys');
    const form = approver.page.getByRole('form', { name: 'Create a key' });
    await form.getByLabel('Name').fill('bad-ips');
    await form.getByLabel('Permitted IPs (optional)').fill('300.1.2.3');
    await form.getByRole('button', { name: 'Create key' }).click();
    await expect(form.getByRole('alert')).toContainText('must be an IPv4 or IPv6 address');
    const listed = await world.core.listKeys(world.account.id);
    expect(listed.ok && listed.value.map((k) => k.name)).toEqual([]);
  });

  test('deactivate, reactivate and mode changes show up in what the server reports', async ({ world, approver }) => {
    const key = await world.createKey({ name: 'deploy-bot', mode: 'push' });
    await approver.open('keys');
    const page = approver.page;
    const item = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'deploy-bot' }) });
    const serverKey = async () => {
      const listed = await world.core.listKeys(world.account.id);
      return listed.ok ? listed.value.find((k) => k.id === key.id) : undefined;
    };

    await item.getByRole('button', { name: 'Deactivate deploy-bot' }).click();
    await expect(item.getByText('Deactivated', { exact: true })).toBeVisible();
    expect((await serverKey())?.status).toBe('INACTIVE');
    await expect(world.requestSession(key.apiKey)).rejects.toMatchObject({ status: 401 });

    await item.getByRole('button', { name: 'Reactivate deploy-bot' }).click();
    await expect(item.getByRole('button', { name: 'Deactivate deploy-bot' })).toBeVisible();
    expect((await serverKey())?.status).not.toBe('INACTIVE');

    await item.getByLabel('Mode').selectOption({ label: 'Ask unless the IP is trusted' });
    await item.getByRole('button', { name: 'Change mode of deploy-bot' }).click();
    await expect(page.getByRole('status').filter({ hasText: 'Mode of deploy-bot changed' })).toHaveCount(1);
    expect((await serverKey())?.mode).toBe('push-unless-trusted');

    await item.getByRole('checkbox', { name: 'Number matching' }).check();
    await expect(item.getByRole('checkbox', { name: 'Number matching' })).toBeChecked();
    expect((await serverKey())?.number_matching).toBe(true);
  });

  test('a key locked by repeated blocks is announced at once and can be unlocked', async ({ world, approver }) => {
    const key = await world.createKey({ name: 'hammered', mode: 'push' });
    await approver.open('keys');
    const page = approver.page;
    const item = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: 'hammered' }) });
    await expect(item.getByText('Not used yet', { exact: true })).toBeVisible();
    // Three blocks within ten minutes lock the key (the server's rule); block them through the core.
    for (let i = 0; i < 3; i++) {
      const session = world.requestSession(key.apiKey);
      await expect.poll(() => world.core.pending().length).toBe(1);
      const [pending] = world.core.pending();
      await world.core.decide(world.account.id, pending?.request.uuid ?? '', { decision: 'BLOCK' });
      expect((await session).status).toBe('REJECTED');
    }
    // The server pushes credential.locked; the open window says so and the list follows without a refresh.
    await expect(page.getByText('Key “hammered” is locked')).toBeVisible();
    await expect(item.getByText('Locked', { exact: true })).toBeVisible();
    await expect(world.requestSession(key.apiKey)).rejects.toMatchObject({ status: 401 });

    await item.getByRole('button', { name: 'Unlock and reactivate hammered' }).click();
    await expect(item.getByText('Locked', { exact: true })).toHaveCount(0);
    const listed = await world.core.listKeys(world.account.id);
    expect(listed.ok && listed.value.find((k) => k.id === key.id)?.status).not.toBe('LOCKED');
  });

  test('links to a key’s IPs', async ({ world, approver }) => {
    const key = await world.createKey({ name: 'with-ips', mode: 'ip-only', ips: ['192.0.2.1'] });
    await approver.open('keys');
    await approver.page.getByRole('link', { name: '1 IP of with-ips — manage' }).click();
    await expect(approver.page).toHaveURL(new RegExp(`#ips\\?accountId=.*&credentialId=${key.id}$`));
    await expect(approver.page.getByRole('heading', { name: 'Permitted IPs of “with-ips”' })).toBeVisible();
  });
});
