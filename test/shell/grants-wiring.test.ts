// Grants in the main process, driven through main/app.ts over the FAKE ELECTRON MODULE (no Electron binary here);
// everything behind it is real — the core, the keychain, a server over loopback and the requester library: the
// tray's "Active grants (N)", the quiet notification of sessions opened under a grant, and its "This wasn't me"
// button ending everything at the server after a confirmation.
import { afterEach, expect, it } from 'vitest';
import { openSession } from '../../client/index.js';
import { describeWithKeychain } from '../core/keychain-session.js';
import { waitConnected, waitFor } from '../support/core.js';
import { http, startTestServer, type TestServer } from '../support/server.js';
import { type AppWorld, newProfile, startApp } from './support/app-world.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function world(): Promise<{ server: TestServer; app: AppWorld; accountId: string }> {
  const server = await startTestServer();
  cleanups.push(() => server.close());
  await server.admin.createUser('alice');
  const profile = await newProfile();
  cleanups.push(() => profile.remove());
  const app = await startApp(profile, {
    options: {
      core: {
        keychainService: profile.keychainService,
        deviceName: 'app test desktop',
        platform: 'linux',
        backoff: { baseMs: 100, capMs: 1000 },
        sessionBatchMs: 300,
      },
    },
  });
  cleanups.push(async () => {
    if (!app.electron.app.quitted && app.electron.app.exitCode === null) await app.quit();
  });
  const core = app.running!.core;
  const { pairing_url } = await server.admin.pair('alice');
  const paired = await core.pair({ link: pairing_url });
  if (!paired.ok) throw new Error(paired.error.message);
  await waitConnected(core, paired.value.id);
  return { server, app, accountId: paired.value.id };
}

const grantsLabel = (app: AppWorld) =>
  app.electron.trays[0]?.template.find((item) => item.label?.startsWith('Active grants'))?.label;

describeWithKeychain('grants in the main process (fake Electron, real core, server and keychain)', () => {
  it('counts live grants in the tray; the quiet notification\'s "This wasn\'t me" ends everything', async () => {
    const { server, app, accountId } = await world();
    const core = app.running!.core;
    const key = await server.admin.createKey({ user: 'alice', name: 'ci-bot', mode: 'push' });
    expect(grantsLabel(app)).toBe('Active grants (0)…');

    const approval = app.window('approval')!;
    app.pageReady(approval);
    // Through the IPC handlers, as the Grants view's form does.
    const created = (await app.invoke(approval, 'grants:create', accountId, key.id, {
      scope: 'anywhere',
      minutes: 480,
      max_uses: 10,
    })) as { ok: boolean };
    expect(created).toMatchObject({ ok: true, value: { scope: 'anywhere', status: 'ACTIVE' } });
    await waitFor('the tray to count it', () => grantsLabel(app) === 'Active grants (1)…');
    await core.createGrant(accountId, key.id, { scope: 'network', network: '10.0.0.0/8', minutes: 60 });
    await waitFor('the tray to count both', () => grantsLabel(app) === 'Active grants (2)…');

    const opened = await Promise.all(
      [1, 2].map(() => openSession({ server: server.url, apiKey: key.api_key, timeoutSeconds: 2 })),
    );
    const tokens = opened.map((o) => (o.status === 'ACCEPTED' ? o.token : ''));
    const posted = await waitFor('the quiet notification', () =>
      app.notifications.find((n) => n.notification.title.startsWith('Sessions opened')),
    );
    expect(posted.notification).toEqual({
      title: 'Sessions opened for ci-bot without asking',
      body: "2 sessions opened for ci-bot under 'anywhere, 8 h'. Not you? Click “This wasn't me”.",
      timeoutSeconds: 15,
      actions: ["This wasn't me"],
    });
    // The window heard the batch and the in-app notice list (for desktops whose notifications report no clicks).
    expect(approval.webContents.sent.map((m) => m.channel)).toEqual(
      expect.arrayContaining(['grants:sessions-opened', 'grants:notices-changed', 'grants:changed']),
    );
    expect(await app.invoke(approval, 'grants:notices')).toMatchObject({ ok: true, value: [{ count: 2 }] });

    // Cancel first: nothing changes.
    app.electron.dialog.answer = (options) => options.buttons!.indexOf('Cancel');
    posted.click("This wasn't me");
    await waitFor('the question', () => app.electron.dialog.messageBoxes.length === 1);
    expect(app.electron.dialog.messageBoxes[0]).toMatchObject({
      type: 'warning',
      title: 'End everything for this key?',
      buttons: ["End everything — this wasn't me", 'Cancel'],
      cancelId: 1,
      defaultId: 1,
    });
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(grantsLabel(app)).toBe('Active grants (2)…');

    app.electron.dialog.answer = () => 0;
    posted.click("This wasn't me");
    await waitFor('the tray to show no grants', () => grantsLabel(app) === 'Active grants (0)…');
    const keys = await core.listKeys(accountId);
    expect(keys.ok && keys.value.find((k) => k.id === key.id)?.status).toBe('INACTIVE');
    for (const token of tokens) {
      const reply = await http(`${server.url}/v1/session-server/introspect`, {
        method: 'POST',
        headers: { authorization: `Bearer ${server.introspectionSecret}` },
        body: { token },
      });
      expect(reply.json).toEqual({ active: false });
    }
    expect(core.sessionNotices()).toEqual([]);
  });

  it('a click on the notice itself opens the Grants view at the key', async () => {
    const { server, app, accountId } = await world();
    const core = app.running!.core;
    const key = await server.admin.createKey({ user: 'alice', name: 'ci-bot', mode: 'push' });
    await core.createGrant(accountId, key.id, { scope: 'anywhere', max_uses: 1 });
    await openSession({ server: server.url, apiKey: key.api_key, timeoutSeconds: 2 });
    const posted = await waitFor('the quiet notification', () =>
      app.notifications.find((n) => n.notification.title.startsWith('Sessions opened')),
    );
    expect(posted.notification.body).toBe(
      "1 session opened for ci-bot under 'anywhere, 7 days'. Not you? Click “This wasn't me”.",
    );
    posted.click(null);
    const grants = await waitFor('the grants window', () => app.window('grants'));
    expect(grants.loadedUrl).toContain(`#grants?accountId=${accountId}&credentialId=${key.id}`);
    expect(app.electron.dialog.messageBoxes).toEqual([]);
  });
});
