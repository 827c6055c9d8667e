// Every view, in light and in dark: axe-core finds no violations, and a screenshot is taken. Screenshots go to
// test-results/screenshots/ so a test run leaves the work tree clean; `npm run screenshots` writes them to
// docs/screenshots/ instead (the README shows the best of them). The data is real: keys, IPs, decisions and a waiting request made through the
// server and the core.
import { resolve } from 'node:path';
import { axeViolations } from './support/axe.js';
import { expect, test } from './support/fixtures.js';

const SHOTS = resolve(
  import.meta.dirname,
  process.env.COUNTERSIGN_UPDATE_SCREENSHOTS === '1' ? '../../docs/screenshots' : '../../test-results/screenshots',
);

for (const scheme of ['light', 'dark'] as const) {
  test(`every view passes axe and is photographed (${scheme})`, async ({ world, approver }) => {
    const page = approver.page;
    await page.emulateMedia({ colorScheme: scheme });

    // A small but lived-in account: three keys in each mode, IPs, one decision of each kind, one waiting request.
    const exportKey = await world.createKey({
      name: 'data-export',
      mode: 'push-unless-trusted',
      numberMatching: true,
      ips: ['203.0.113.7', '2001:db8::42'],
    });
    const botKey = await world.createKey({ name: 'trading-bot', mode: 'push' });
    await world.createKey({ name: 'legacy-script', mode: 'ip-only', ips: ['192.0.2.15'] });
    for (const decision of ['APPROVE', 'BLOCK'] as const) {
      const session = world.requestSession(botKey.apiKey, {
        description: `hourly rebalance (${decision.toLowerCase()})`,
      });
      await expect.poll(() => world.core.pending().length).toBe(1);
      const [pending] = world.core.pending();
      await world.core.decide(world.account.id, pending?.request.uuid ?? '', { decision });
      await session;
    }
    const ipList = await world.core.listIps(world.account.id, exportKey.id);
    const v6 = ipList.ok ? ipList.value.find((ip) => ip.ip === '2001:db8::42') : undefined;
    if (v6) await world.core.setIpStatus(world.account.id, exportKey.id, v6.id, 'INACTIVE');
    void world.requestSession(exportKey.apiKey, {
      description: 'nightly export to the data warehouse',
      geolocation: '4.89 52.37 0 100 NL',
      localAddress: '127.0.0.2',
    });
    await expect.poll(() => world.core.pending().length).toBe(1);

    const views = [
      // Taller than the 640 px window, so the picture shows the whole request (its buttons stay in sight there).
      { name: 'approval', hash: 'approval', size: { width: 480, height: 820 }, ready: 'Approve this session?' },
      { name: 'keys', hash: 'keys', size: { width: 860, height: 620 }, ready: 'API keys' },
      {
        name: 'ips',
        hash: `ips?accountId=${world.account.id}&credentialId=${exportKey.id}`,
        size: { width: 720, height: 560 },
        ready: 'IP addresses',
      },
      { name: 'history', hash: 'history', size: { width: 960, height: 640 }, ready: 'History' },
      { name: 'accounts', hash: 'accounts', size: { width: 640, height: 560 }, ready: 'Accounts' },
    ];
    const failures: string[] = [];
    for (const view of views) {
      await page.setViewportSize(view.size);
      await approver.open(view.hash);
      await expect(page.getByRole('heading', { level: 1, name: view.ready })).toBeVisible();
      await expect(page.getByText(/Loading/)).toHaveCount(0);
      if (view.name === 'history') await expect(page.getByRole('table')).toBeVisible();
      if (view.name === 'accounts') await expect(page.getByText('Connected')).toBeVisible();
      for (const line of await axeViolations(page)) failures.push(`${view.name}: ${line}`);
      // The approval window's answers stick to the bottom of the window, which a full-page capture would misplace.
      await page.screenshot({ path: resolve(SHOTS, `${view.name}-${scheme}.png`), fullPage: view.name !== 'approval' });
    }
    expect(failures).toEqual([]);

    // What Approve covers, under the card (below the fold of the picture above).
    await page.setViewportSize({ width: 480, height: 820 });
    await approver.open('approval');
    await expect(page.getByRole('heading', { level: 1, name: 'Approve this session?' })).toBeVisible();
    await page.locator('.scope-choice').screenshot({ path: resolve(SHOTS, `approval-scope-${scheme}.png`) });

    // Devices: a phone paired with an invite from this desktop, a tablet paired and then removed by the phone. The
    // notices stand above the lists (the pairing can still be removed; the removal says who did it).
    const invite = await world.core.issuePairingCode(world.account.id);
    const phone = await world.pairWithCode(invite.ok ? invite.value.code : '', 'alice phone');
    const tablet = await world.pairWithCode((await world.issuePairingCode()).code, 'alice tablet');
    await phone.request('DELETE', `/v1/approver-device/${tablet.id}`);
    await expect.poll(() => world.core.deviceNotices().length).toBe(2);
    await page.setViewportSize({ width: 760, height: 640 });
    await approver.open('devices');
    await expect(page.getByRole('heading', { level: 1, name: 'Devices' })).toBeVisible();
    await expect(page.getByText(/Loading/)).toHaveCount(0);
    await expect(page.getByRole('region', { name: /^Audit trail/ }).getByRole('row')).toHaveCount(5);
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: resolve(SHOTS, `devices-${scheme}.png`), fullPage: true });
    await page.getByRole('button', { name: 'Remove ‘alice phone’…' }).click();
    await expect(page.getByRole('dialog')).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();

    // The request with its code half typed, and a freshly created key's one-time value.
    await page.setViewportSize({ width: 480, height: 640 });
    await approver.open('approval');
    await page.getByRole('textbox', { name: 'Code the program shows' }).fill('12');
    expect(await axeViolations(page)).toEqual([]);
    await page.setViewportSize({ width: 860, height: 620 });
    await approver.open('keys');
    const form = page.getByRole('form', { name: 'Create a key' });
    await form.getByLabel('Name').fill('ci-deploy');
    await form.getByRole('button', { name: 'Create key' }).click();
    await expect(page.getByText('You will not see this again')).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: resolve(SHOTS, `key-created-${scheme}.png`) });
  });
}

// Grants: the live list of a key and the quiet notice of sessions a grant let in, above it.
for (const scheme of ['light', 'dark'] as const) {
  test(`the grants view and the quiet notice pass axe and are photographed (${scheme})`, async ({
    world,
    approver,
  }) => {
    const page = approver.page;
    await page.emulateMedia({ colorScheme: scheme });
    const ci = await world.createKey({ name: 'ci-bot', mode: 'push' });
    await world.createKey({ name: 'nightly-export', mode: 'push-unless-trusted' });
    const accountId = world.account.id;
    await world.core.createGrant(accountId, ci.id, { scope: 'anywhere', minutes: 480, max_uses: 20 });
    await world.core.createGrant(accountId, ci.id, { scope: 'network', network: '203.0.113.0/24', minutes: 60 });
    for (const _ of [1, 2]) await world.requestSession(ci.apiKey, { timeoutSeconds: 3 });
    await expect.poll(() => world.core.sessionNotices().length, { timeout: 10_000 }).toBe(1);
    await page.setViewportSize({ width: 860, height: 680 });
    await approver.open(`grants?accountId=${accountId}&credentialId=${ci.id}`);
    await expect(page.getByRole('heading', { level: 1, name: 'Grants' })).toBeVisible();
    await expect(page.getByRole('region', { name: /^ci-bot/ }).getByRole('listitem')).toHaveCount(2);
    await expect(page.getByText("2 sessions opened for ci-bot under 'anywhere, 8 h'", { exact: true })).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);
    await page.screenshot({ path: resolve(SHOTS, `grants-${scheme}.png`), fullPage: true });
    await page.locator('.session-notices').screenshot({ path: resolve(SHOTS, `grants-notice-${scheme}.png`) });
    await page.getByRole('button', { name: 'Revoke the grant for Network 203.0.113.0/24' }).click();
    await expect(page.getByRole('dialog')).toBeVisible();
    expect(await axeViolations(page)).toEqual([]);
    await page.getByRole('dialog').getByRole('button', { name: 'Cancel' }).click();
  });
}
