// Grants in the renderer through the real IPC handlers, a real core and a real server: pre-authorise a key from the
// Grants view, see the grant listed (and follow its uses), the quiet notice of the sessions it opened, and revoke it
// (confirmed, ending its sessions) — the next session asks again.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ensureInstallation, FileIdentityStore } from '../../client/index.js';
import { expect, test } from './support/fixtures.js';

test.describe('grants', () => {
  test('pre-authorise, see it used, revoke it with its sessions; the quiet notice says what opened', async ({
    world,
    approver,
  }) => {
    const page = approver.page;
    const key = await world.createKey({ name: 'ci-bot', mode: 'push' });
    // From the key's own link in the Keys view.
    await approver.open('keys');
    await page.getByRole('link', { name: 'Grants and pre-authorise for ci-bot' }).click();
    await expect(page.getByRole('heading', { level: 1, name: 'Grants' })).toBeVisible();
    await expect(page.getByText('No active grants for this account.')).toBeVisible();

    const form = page.getByRole('form', { name: 'Pre-authorise…' });
    await expect(form.getByLabel('Key')).toHaveValue(String(key.id));
    // Bad input is refused before anything is sent.
    await form.getByLabel('One network').check();
    await form.getByRole('textbox', { name: 'Network', exact: true }).fill('not-a-network');
    await form.getByLabel('For minutes').fill('');
    await form.getByRole('button', { name: 'Pre-authorise' }).click();
    await expect(form.getByRole('alert')).toContainText('give minutes, max_uses or both');
    await form.getByLabel('Anywhere').check();
    await form.getByLabel('For minutes').fill('480');
    await form.getByLabel('At most this many sessions').fill('3');
    await form.getByRole('button', { name: 'Pre-authorise' }).click();
    await expect(page.getByRole('status').getByText(/^Pre-authorised ci-bot: 3 sessions, until/)).toBeVisible();

    const list = page.getByRole('region', { name: /^ci-bot/ });
    await expect(list.getByRole('listitem')).toHaveCount(1);
    await expect(list).toContainText('Anywhere');
    await expect(list).toContainText('3 of 3');
    await expect(list).toContainText('pre-authorised');

    // Two sessions open at once under it; the list follows the uses, and the quiet notice tells them.
    const sessions = await Promise.all([1, 2].map(() => world.requestSession(key.apiKey, { timeoutSeconds: 3 })));
    expect(sessions.map((s) => s.status)).toEqual(['ACCEPTED', 'ACCEPTED']);
    await expect(list).toContainText('1 of 3');
    const notice = page.locator('.notice').filter({ hasText: "2 sessions opened for ci-bot under 'anywhere, 8 h'" });
    await expect(notice).toBeVisible();
    await expect(notice).toContainText('From 127.0.0.1');
    await notice.getByRole('button', { name: /^Dismiss/ }).click();
    await expect(notice).toHaveCount(0);

    await list.getByRole('button', { name: 'Revoke the grant for Anywhere' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke this grant?' });
    await expect(dialog.getByRole('button', { name: 'Cancel' })).toBeFocused();
    await dialog.getByLabel('Also end the sessions it opened').check();
    await dialog.getByRole('button', { name: 'Revoke' }).click();
    await expect(
      page
        .getByRole('status')
        .getByText('The grant for Anywhere was revoked; 2 sessions ended. The next session asks you again.'),
    ).toBeVisible();
    await expect(page.getByText('No active grants for this account.')).toBeVisible();
    const live = await world.core.listGrants(world.account.id, key.id, {});
    expect(live).toEqual({ ok: true, value: [] });
    // The next session asks the owner again.
    void world.requestSession(key.apiKey, { timeoutSeconds: 3 });
    await expect.poll(() => world.core.pending().length).toBe(1);
  });

  test('the in-app notice\'s "This wasn\'t me" (confirmed) deactivates the key and ends its grants', async ({
    world,
    approver,
  }) => {
    const page = approver.page;
    const key = await world.createKey({ name: 'ci-bot', mode: 'push' });
    await world.core.createGrant(world.account.id, key.id, { scope: 'network', network: '127.0.0.0/8', minutes: 60 });
    expect((await world.requestSession(key.apiKey, { timeoutSeconds: 3 })).status).toBe('ACCEPTED');
    await approver.open('keys');
    const notice = page.locator('.notice').filter({ hasText: "1 session opened for ci-bot under '127.0.0.0/8, 1 h'" });
    await expect(notice).toBeVisible();
    await notice.getByRole('button', { name: "This wasn't me" }).click();
    const dialog = page.getByRole('dialog', { name: 'End everything for this key?' });
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    expect(world.core.activeGrants()).toHaveLength(1);
    await notice.getByRole('button', { name: "This wasn't me" }).click();
    await dialog.getByRole('button', { name: 'End everything' }).click();
    await expect(
      page.getByRole('status').getByText('Key ci-bot is deactivated: 1 grant revoked, 1 session ended.'),
    ).toBeVisible();
    await expect(notice).toHaveCount(0);
    const keys = await world.core.listKeys(world.account.id);
    expect(keys.ok && keys.value.find((k) => k.id === key.id)?.status).toBe('INACTIVE');
    expect(world.core.activeGrants()).toEqual([]);
  });

  test('pre-authorise one program: picked from the programs that asked for the key; it opens, others ask', async ({
    world,
    approver,
  }) => {
    const page = approver.page;
    const key = await world.createKey({ name: 'ci-bot', mode: 'push' });
    const dir = await mkdtemp(join(tmpdir(), 'countersign-e2e-requester-'));
    try {
      const store = new FileIdentityStore(join(dir, 'requester.json'));
      const runner = await ensureInstallation({ server: world.serverUrl, apiKey: key.apiKey, store, name: 'runner-3' });
      if (!runner) throw new Error('the installation was not registered');
      // It asked once (blocked), so the server's history of the key names it.
      const first = world.requestSession(key.apiKey, { installation: runner, timeoutSeconds: 20 });
      await expect.poll(() => world.core.pending().length).toBe(1);
      const [pending] = world.core.pending();
      await world.core.decide(world.account.id, pending?.request.uuid ?? '', { decision: 'BLOCK' });
      expect((await first).status).toBe('REJECTED');

      await approver.open(`grants?accountId=${world.account.id}&credentialId=${key.id}`);
      const form = page.getByRole('form', { name: 'Pre-authorise…' });
      await form.getByLabel('One program').check();
      await expect(form.getByLabel('Program', { exact: true })).toContainText('runner-3');
      await form.getByLabel('For minutes').fill('60');
      await form.getByLabel('At most this many sessions').fill('2');
      await form.getByRole('button', { name: 'Pre-authorise' }).click();
      const list = page.getByRole('region', { name: /^ci-bot/ });
      // The grant arrives by the push stream (grant.changed) a moment after the click.
      await expect.poll(() => world.core.activeGrants()[0]?.grants.length ?? 0).toBe(1);
      const [made] = world.core.activeGrants()[0]?.grants ?? [];
      expect(made).toMatchObject({ scope: 'installation', installation: { id: runner.id, name: 'runner-3' } });
      await expect(list).toContainText(`Program runner-3 (${made?.installation?.fingerprint})`);
      await expect(list).toContainText('2 of 2');

      // Signed by the program: opens at once. Unsigned: asks.
      expect(await world.requestSession(key.apiKey, { installation: runner, timeoutSeconds: 3 })).toMatchObject({
        status: 'ACCEPTED',
        uuid: null,
      });
      void world.requestSession(key.apiKey, { timeoutSeconds: 5 });
      await expect.poll(() => world.core.pending().length).toBe(1);
      await expect(list).toContainText('1 of 2');
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
