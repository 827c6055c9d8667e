// The IP manager against a real core and server: adding and toggling permitted IPs changes what the server reports.
import { expect, test } from './support/fixtures.js';

test.describe('IP manager', () => {
  test('adds, validates and toggles permitted IPs', async ({ world, approver }) => {
    const key = await world.createKey({ name: 'office', mode: 'ip-only' });
    await approver.open(`ips?accountId=${world.account.id}&credentialId=${key.id}`);
    const page = approver.page;
    const serverIps = async () => {
      const listed = await world.core.listIps(world.account.id, key.id);
      return listed.ok ? listed.value.map((ip) => [ip.ip, ip.status]) : listed.error;
    };
    await expect(page.getByRole('heading', { name: 'Permitted IPs of “office”' })).toBeVisible();
    await expect(page.getByText('An IP address cannot be edited')).toBeVisible();
    const form = page.getByRole('form', { name: 'Add a permitted IP' });

    await form.getByLabel('IP address for office').fill('10.0.0.300');
    await form.getByRole('button', { name: 'Add IP' }).click();
    await expect(form.getByRole('alert')).toContainText('“10.0.0.300” must be an IPv4 or IPv6 address');
    await expect(form.getByLabel('IP address for office')).toHaveAttribute('aria-invalid', 'true');
    expect(await serverIps()).toEqual([]);

    await form.getByLabel('IP address for office').fill('2001:db8::7');
    await form.getByRole('button', { name: 'Add IP' }).click();
    const table = page.getByRole('table');
    await expect(table.getByRole('row', { name: /2001:db8::7/ })).toContainText('Active');
    expect(await serverIps()).toEqual([['2001:db8::7', 'ACTIVE']]);

    await table.getByRole('button', { name: 'Deactivate 2001:db8::7' }).click();
    await expect(table.getByRole('row', { name: /2001:db8::7/ })).toContainText('Inactive');
    expect(await serverIps()).toEqual([['2001:db8::7', 'INACTIVE']]);

    await table.getByRole('button', { name: 'Activate 2001:db8::7' }).click();
    await expect(table.getByRole('row', { name: /2001:db8::7/ })).toContainText('Active');
    expect(await serverIps()).toEqual([['2001:db8::7', 'ACTIVE']]);
  });

  test('"Add my current IP" adds the address the server sees, and the key then opens sessions from it', async ({
    world,
    approver,
  }) => {
    const key = await world.createKey({ name: 'home', mode: 'ip-only' });
    await expect(world.requestSession(key.apiKey)).rejects.toMatchObject({ status: 401 });
    await approver.open(`ips?accountId=${world.account.id}&credentialId=${key.id}`);
    const button = approver.page.getByRole('button', { name: 'Add my current IP (127.0.0.1)' });
    await button.click();
    await expect(approver.page.getByRole('table').getByRole('row', { name: /127\.0\.0\.1/ })).toContainText('Active');
    await expect(button).toBeDisabled();
    const listed = await world.core.listIps(world.account.id, key.id);
    expect(listed.ok && listed.value.map((ip) => ip.ip)).toEqual(['127.0.0.1']);
    expect(await world.requestSession(key.apiKey)).toMatchObject({ status: 'ACCEPTED', uuid: null });
  });

  test('switching keys shows each key’s own IPs', async ({ world, approver }) => {
    const a = await world.createKey({ name: 'first', mode: 'ip-only', ips: ['192.0.2.10'] });
    await world.createKey({ name: 'second', mode: 'ip-only', ips: ['198.51.100.20'] });
    await approver.open(`ips?accountId=${world.account.id}&credentialId=${a.id}`);
    const page = approver.page;
    await expect(page.getByRole('table')).toContainText('192.0.2.10');
    await page.getByLabel('Key', { exact: true }).selectOption({ label: 'second' });
    await expect(page.getByRole('heading', { name: 'Permitted IPs of “second”' })).toBeVisible();
    await expect(page.getByRole('table')).toContainText('198.51.100.20');
    await expect(page.getByRole('table')).not.toContainText('192.0.2.10');
  });
});
