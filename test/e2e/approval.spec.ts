// The approval window against a real core, server and requester: a click in the page travels through the IPC
// handlers, the core (device-signed decision), the server, and back to the waiting requester.
import { join } from 'node:path';
import { ensureInstallation, FileIdentityStore } from '../../client/index.js';
import { tempDir } from '../support/server.js';
import { type Approver, expect, test, type World } from './support/fixtures.js';

/** Opens the approval window and a session on a new key with a typed code, keeping the code the requester shows. */
async function requestWithBindingCode(world: World, approver: Approver, name: string) {
  const key = await world.createKey({ name, mode: 'push', numberMatching: true });
  await approver.open('approval');
  let shown: string | null = null;
  const session = world.requestSession(key.apiKey, {
    onProgress: (progress) => {
      shown = progress.bindingCode;
    },
  });
  return { session, shown: () => shown };
}

test.describe('approval window', () => {
  test('a session request appears and Approve gives the requester its token', async ({ world, approver }) => {
    const key = await world.createKey({ name: 'nightly-export', mode: 'push' });
    await approver.open('approval');
    await expect(approver.page.getByRole('heading', { name: 'No requests waiting' })).toBeVisible();

    const session = world.requestSession(key.apiKey, {
      description: 'nightly export to the warehouse',
      geolocation: '4.89 52.37 0 100 NL',
    });
    const card = approver.page.getByRole('article');
    // The title is the server's fact (which key); the program's description is a claim, shown among the claims.
    await expect(card.getByRole('heading', { level: 2 })).toHaveText('A program wants a session with nightly-export');
    await expect(card.getByRole('region', { name: 'What changed' })).toContainText('First session for this key');
    const seen = card.getByRole('region', { name: 'Seen by the server' });
    await expect(seen.getByText('127.0.0.1', { exact: true })).toBeVisible();
    await expect(seen.getByText('New IP for this key')).toBeVisible();
    await expect(seen).toContainText('This machine (loopback)');
    await expect(seen).toContainText('None: not a public address');
    await expect(seen).toContainText('Not identified');
    const claimed = card.getByRole('region', { name: /^Claimed by the program/ });
    await expect(claimed).toContainText('nightly export to the warehouse');
    await expect(claimed.getByText(/Netherlands \(52\.37, 4\.89/)).toBeVisible();
    await expect(claimed.getByText(/countersign/i).first()).toBeVisible();
    await expect(seen).not.toContainText('Netherlands');
    await expect(card.getByText(/Expires in/)).toBeVisible();

    await card.getByRole('button', { name: 'Approve' }).click();
    const result = await session;
    expect(result.status).toBe('ACCEPTED');
    if (result.status !== 'ACCEPTED') return;
    expect(result.token.length).toBeGreaterThan(20);
    expect(result.uuid).not.toBeNull();
    await expect(approver.page.getByRole('status').getByText('Approved. The program gets its session.')).toBeVisible();
    await expect(approver.page.getByRole('heading', { name: 'No requests waiting' })).toBeVisible();
    expect(approver.bridge.problems).toEqual([]);
  });

  test('Block and deactivate key rejects the request and the key refuses the next session', async ({
    world,
    approver,
  }) => {
    const key = await world.createKey({ name: 'stolen-key', mode: 'push' });
    await approver.open('approval');
    const session = world.requestSession(key.apiKey, { description: 'someone else' });
    await approver.page.getByRole('button', { name: 'Block and deactivate key' }).click();
    expect((await session).status).toBe('REJECTED');
    await expect(approver.page.getByText('Blocked, and the key is deactivated.')).toBeVisible();

    const keys = await world.core.listKeys(world.account.id);
    expect(keys.ok && keys.value.find((k) => k.id === key.id)?.status).toBe('INACTIVE');
    await expect(world.requestSession(key.apiKey)).rejects.toMatchObject({ status: 401 });
  });

  test('Block rejects the request and leaves the key active', async ({ world, approver }) => {
    const key = await world.createKey({ name: 'cron', mode: 'push' });
    await approver.open('approval');
    const session = world.requestSession(key.apiKey);
    await approver.page.getByRole('button', { name: 'Block', exact: true }).click();
    expect((await session).status).toBe('REJECTED');
    const keys = await world.core.listKeys(world.account.id);
    expect(keys.ok && keys.value.find((k) => k.id === key.id)?.status).not.toBe('INACTIVE');
  });

  test('trust this IP: the next session from that IP opens at once, another IP still asks', async ({
    world,
    approver,
  }) => {
    const key = await world.createKey({ name: 'laptop-script', mode: 'push-unless-trusted' });
    await approver.open('approval');
    const first = world.requestSession(key.apiKey);
    const card = approver.page.getByRole('article');
    await expect(card.getByText('New IP for this key')).toBeVisible();
    await expect(card.getByRole('radio', { name: 'This session only' })).toBeChecked();
    await card.getByRole('radio', { name: 'Add this IP to the permitted IPs (permanent)' }).check();
    await card.getByRole('button', { name: 'Approve' }).click();
    expect((await first).status).toBe('ACCEPTED');
    await expect(approver.page.getByText('Approved. 127.0.0.1 is now trusted for this key.')).toBeVisible();

    const ips = await world.core.listIps(world.account.id, key.id);
    expect(ips.ok && ips.value.map((ip) => [ip.ip, ip.status])).toEqual([['127.0.0.1', 'ACTIVE']]);

    const second = await world.requestSession(key.apiKey);
    expect(second).toMatchObject({ status: 'ACCEPTED', uuid: null });
    expect(world.core.pending()).toEqual([]);

    // From another address the key asks again, and the window shows it as a new IP.
    const third = world.requestSession(key.apiKey, { localAddress: '127.0.0.2' });
    await expect(card.getByText('127.0.0.2', { exact: true })).toBeVisible();
    await expect(card.getByText('New IP for this key')).toBeVisible();
    await card.getByRole('button', { name: 'Block', exact: true }).click();
    expect((await third).status).toBe('REJECTED');
  });

  test('scope "this program for 8 hours": the card shows the installation, and its next session opens from a new IP', async ({
    world,
    approver,
  }) => {
    const key = await world.createKey({ name: 'ci-bot', mode: 'push' });
    const dir = await tempDir('countersign-e2e-requester-');
    try {
      const installation = await ensureInstallation({
        server: world.serverUrl,
        apiKey: key.apiKey,
        store: new FileIdentityStore(join(dir.path, 'requester.json')),
        name: 'runner-3',
      });
      expect(installation).not.toBeNull();
      await approver.open('approval');
      const first = world.requestSession(key.apiKey, { installation });
      const card = approver.page.getByRole('article');
      const seen = card.getByRole('region', { name: 'Seen by the server' });
      await expect(seen).toContainText('runner-3');
      await expect(seen.getByText(/^[0-9a-f]{4}(-[0-9a-f]{4}){3}$/)).toBeVisible();
      await expect(seen.getByText('New program')).toBeVisible();
      await expect(seen).toContainText('0 sessions approved');

      await card.getByRole('radio', { name: /^This program \(runner-3\)/ }).check();
      await card.getByRole('combobox', { name: 'For how long' }).selectOption({ label: '8 hours' });
      await card.getByRole('button', { name: 'Approve' }).click();
      expect((await first).status).toBe('ACCEPTED');
      await expect(
        approver.page.getByText("Approved. This program's sessions open without asking for 8 hours."),
      ).toBeVisible();

      // The grant follows the program, not the address; an unsigned caller from the same address still asks.
      const second = await world.requestSession(key.apiKey, { installation, localAddress: '127.0.0.2' });
      expect(second).toMatchObject({ status: 'ACCEPTED', uuid: null });
      const unsigned = world.requestSession(key.apiKey, { localAddress: '127.0.0.2' });
      await expect(card.getByText('127.0.0.2', { exact: true })).toBeVisible();
      await expect(card.getByRole('radio', { name: /^This program/ })).toHaveCount(0);
      await card.getByRole('button', { name: 'Block', exact: true }).click();
      expect((await unsigned).status).toBe('REJECTED');
    } finally {
      await dir.remove();
    }
  });

  test('scope "this network for 1 hour": the next session from that network opens without asking', async ({
    world,
    approver,
  }) => {
    const key = await world.createKey({ name: 'office-script', mode: 'push' });
    await approver.open('approval');
    const first = world.requestSession(key.apiKey);
    const card = approver.page.getByRole('article');
    const network = card.getByRole('radio', { name: /^This network/ });
    // Keyboard: the scope is a radio group; arrows move the choice, and the default stays "this session only".
    await card.getByRole('radio', { name: 'This session only' }).focus();
    await approver.page.keyboard.press('ArrowDown');
    await expect(network).toBeChecked();
    await expect(card.getByRole('combobox', { name: 'For how long' })).toHaveValue('1h');
    await expect(card.getByRole('combobox', { name: 'For how long' }).getByRole('option')).toHaveText([
      '1 hour',
      '8 hours',
      '24 hours',
    ]);
    await card.getByRole('button', { name: 'Approve' }).click();
    expect((await first).status).toBe('ACCEPTED');
    const again = await world.requestSession(key.apiKey);
    expect(again).toMatchObject({ status: 'ACCEPTED', uuid: null });
    const ips = await world.core.listIps(world.account.id, key.id);
    expect(ips.ok && ips.value).toEqual([]);
  });

  test('app PIN: set in Accounts, asked on Approve (a wrong one says so), never on Block', async ({
    world,
    approver,
  }) => {
    const key = await world.createKey({ name: 'guarded', mode: 'push' });
    const page = approver.page;
    await approver.open('accounts');
    const form = page.getByRole('form', { name: 'Set an app PIN' });
    await form.getByLabel('PIN', { exact: true }).fill('2468');
    await form.getByRole('button', { name: 'Set PIN' }).click();
    await expect(page.getByText('PIN set: Approve now asks for it.')).toBeVisible();

    await approver.open('approval');
    const first = world.requestSession(key.apiKey);
    const card = page.getByRole('article');
    const pin = card.getByLabel('App PIN');
    await expect(pin).toBeVisible();
    await expect(card.getByRole('button', { name: 'Approve' })).toBeDisabled();
    await pin.fill('1357');
    await card.getByRole('button', { name: 'Approve' }).click();
    await expect(page.getByRole('alert')).toContainText('4 tries left');
    expect(world.core.pending()).toHaveLength(1);
    await expect(pin).toHaveValue('');
    await pin.fill('2468');
    await card.getByRole('button', { name: 'Approve' }).click();
    expect((await first).status).toBe('ACCEPTED');

    const second = world.requestSession(key.apiKey);
    await expect(card.getByLabel('App PIN')).toBeVisible();
    await card.getByRole('button', { name: 'Block', exact: true }).click();
    expect((await second).status).toBe('REJECTED');
  });

  test('a known IP is shown as known and offers no permitted-IP choice', async ({ world, approver }) => {
    const key = await world.createKey({ name: 'known', mode: 'push', ips: ['127.0.0.1'] });
    await approver.open('approval');
    const session = world.requestSession(key.apiKey);
    const card = approver.page.getByRole('article');
    await expect(card.getByText('Known IP for this key')).toBeVisible();
    await expect(card.getByRole('radio', { name: /permitted IPs/ })).toHaveCount(0);
    await card.getByRole('button', { name: 'Approve' }).click();
    expect((await session).status).toBe('ACCEPTED');
  });

  test('typed code: Approve waits for every digit, and typing the shown code approves', async ({ world, approver }) => {
    const { session, shown } = await requestWithBindingCode(world, approver, 'matched');
    const card = approver.page.getByRole('article');
    const field = card.getByRole('textbox', { name: 'Code the program shows' });
    await expect(field).toBeFocused();
    await expect(card.getByRole('group', { name: 'Which number does the program show?' })).toHaveCount(0);
    await expect(card.getByRole('button', { name: 'Approve' })).toBeDisabled();
    await expect.poll(shown).toMatch(/^\d{3}$/);
    const code = shown() ?? '';

    // Letters are dropped, and two of three digits still leave Approve unavailable.
    await field.pressSequentially(`a${code.slice(0, 2)}`);
    await expect(field).toHaveValue(code.slice(0, 2));
    await expect(card.getByRole('button', { name: 'Approve' })).toBeDisabled();
    await field.pressSequentially(code.slice(2));
    await expect(field).toHaveValue(code);
    await expect(card.getByRole('button', { name: 'Approve' })).toBeEnabled();
    await card.getByRole('button', { name: 'Approve' }).click();
    expect((await session).status).toBe('ACCEPTED');
  });

  test('typed code: a wrong code blocks the request and says why', async ({ world, approver }) => {
    const { session, shown } = await requestWithBindingCode(world, approver, 'phished');
    const field = approver.page.getByRole('textbox', { name: 'Code the program shows' });
    await expect.poll(shown).toMatch(/^\d{3}$/);
    const wrong = String((Number(shown()) + 1) % 1000).padStart(3, '0');
    await field.fill(wrong);
    await approver.page.getByRole('button', { name: 'Approve' }).click();
    expect((await session).status).toBe('REJECTED');
    await expect(approver.page.getByText(/not the one the program showed, so the request was blocked/)).toBeVisible();
  });

  test('typed code: Block needs no code', async ({ world, approver }) => {
    const { session } = await requestWithBindingCode(world, approver, 'unknown-caller');
    await approver.page.getByRole('button', { name: 'Block', exact: true }).click();
    expect((await session).status).toBe('REJECTED');
  });

  test('keyboard: focus starts on the request, and Enter never approves', async ({ world, approver }) => {
    const key = await world.createKey({ name: 'keyboard', mode: 'push' });
    await approver.open('approval');
    const session = world.requestSession(key.apiKey);
    const page = approver.page;
    const approve = page.getByRole('button', { name: 'Approve' });
    await expect(approve).toBeVisible();
    await expect(page.getByRole('article').getByRole('heading', { level: 2 })).toBeFocused();
    await expect(approve).not.toBeFocused();

    // Enter where focus starts, then Tab to Approve and Enter on it: still pending.
    await page.keyboard.press('Enter');
    for (let i = 0; i < 10 && !(await approve.evaluate((el) => el === document.activeElement)); i++) {
      await page.keyboard.press('Tab');
    }
    await expect(approve).toBeFocused();
    await page.keyboard.press('Enter');
    // Give a wrongly sent decision every chance to arrive before checking that none did.
    await page.waitForTimeout(1000);
    expect(world.core.pending()).toHaveLength(1);
    await expect(approve).toBeVisible();

    // Space is the deliberate keyboard way.
    await page.keyboard.press('Space');
    expect((await session).status).toBe('ACCEPTED');
  });

  test('keyboard only: the code is typed where focus starts and approved with Space', async ({ world, approver }) => {
    const { session, shown } = await requestWithBindingCode(world, approver, 'keyboard-match');
    const page = approver.page;
    const field = page.getByRole('textbox', { name: 'Code the program shows' });
    await expect(field).toBeFocused();
    await expect.poll(shown).toMatch(/^\d{3}$/);
    await page.keyboard.type(shown() ?? '');
    // Enter in the field sends nothing.
    await page.keyboard.press('Enter');
    await page.waitForTimeout(500);
    expect(world.core.pending()).toHaveLength(1);

    const approve = page.getByRole('button', { name: 'Approve' });
    while (!(await approve.evaluate((el) => el === document.activeElement))) await page.keyboard.press('Tab');
    await page.keyboard.press('Space');
    expect((await session).status).toBe('ACCEPTED');
  });

  test('a notification click (navigate with a uuid) selects that request', async ({ world, approver }) => {
    const a = await world.createKey({ name: 'first-key', mode: 'push' });
    const b = await world.createKey({ name: 'second-key', mode: 'push' });
    await approver.open('keys');
    void world.requestSession(a.apiKey);
    void world.requestSession(b.apiKey);
    await expect.poll(() => world.core.pending().length).toBe(2);
    const second = world.core.pending().find((p) => p.request.credential.name === 'second-key');

    // What the shell sends to an open window when a notification is clicked.
    await approver.bridge.emit('app:navigate', { view: 'approval', uuid: second?.request.uuid ?? '' });
    await expect(approver.page.getByRole('heading', { level: 1, name: 'Approve this session?' })).toBeVisible();
    await expect(approver.page.getByRole('article').getByRole('heading', { level: 2 })).toContainText('second-key');
  });

  test('several requests show as a queue; each can be chosen and answered', async ({ world, approver }) => {
    const a = await world.createKey({ name: 'alpha', mode: 'push' });
    const b = await world.createKey({ name: 'bravo', mode: 'push' });
    await approver.open('approval');
    const first = world.requestSession(a.apiKey, { description: 'first' });
    await expect(approver.page.getByRole('article').getByRole('heading', { level: 2 })).toContainText('alpha');
    const second = world.requestSession(b.apiKey, { description: 'second' });
    const queue = approver.page.getByRole('navigation', { name: 'Waiting requests' });
    await expect(queue.getByRole('button')).toHaveCount(2);
    await expect(approver.page.getByText('2 requests waiting for your answer')).toBeVisible();

    await queue.getByRole('button', { name: /bravo/ }).click();
    await expect(queue.getByRole('button', { name: /bravo/ })).toHaveAttribute('aria-current', 'true');
    await expect(approver.page.getByRole('article').getByRole('heading', { level: 2 })).toContainText('bravo');
    await approver.page.getByRole('button', { name: 'Block', exact: true }).click();
    expect((await second).status).toBe('REJECTED');

    await expect(queue).toHaveCount(0);
    await expect(approver.page.getByRole('article').getByRole('heading', { level: 2 })).toContainText('alpha');
    await approver.page.getByRole('button', { name: 'Approve' }).click();
    expect((await first).status).toBe('ACCEPTED');
  });

  test('a request decided on another device closes itself with a short message', async ({ world, approver }) => {
    const key = await world.createKey({ name: 'shared', mode: 'push' });
    const other = await world.pairOtherDevice();
    await approver.open('approval');
    const session = world.requestSession(key.apiKey);
    const card = approver.page.getByRole('article');
    await expect(card).toBeVisible();
    const [pending] = world.core.pending();
    await other.decide(pending?.request.uuid ?? '', 'APPROVE');
    expect((await session).status).toBe('ACCEPTED');
    await expect(card).toHaveCount(0);
    await expect(approver.page.getByRole('status').getByText('Approved on another device')).toBeVisible();
  });
});

test.describe('answers that arrive too late are reported calmly', () => {
  test('approving what another device just blocked says it was already decided', async ({ world, approver }) => {
    const key = await world.createKey({ name: 'raced', mode: 'push' });
    const other = await world.pairOtherDevice();
    await approver.open('approval');
    const session = world.requestSession(key.apiKey);
    const card = approver.page.getByRole('article');
    await expect(card).toBeVisible();
    const [pending] = world.core.pending();

    // The other device answers first; the page has not heard yet when the owner clicks here.
    const release = approver.bridge.holdEvents();
    await other.decide(pending?.request.uuid ?? '', 'BLOCK');
    expect((await session).status).toBe('REJECTED');
    await card.getByRole('button', { name: 'Approve' }).click();
    await expect(approver.page.getByText('Already decided on another device. Nothing more to do here.')).toBeVisible();
    await expect(approver.page.getByRole('alert')).toHaveCount(0);
    await release();
    await expect(card).toHaveCount(0);
  });
});

test.describe('approval window with a short request lifetime', () => {
  test.use({ serverOptions: { requestLifetimeSeconds: 4 } });

  test('an expired request closes itself with "Expired"', async ({ world, approver }) => {
    const key = await world.createKey({ name: 'slow-owner', mode: 'push' });
    await approver.open('approval');
    const session = world.requestSession(key.apiKey);
    const card = approver.page.getByRole('article');
    await expect(card).toBeVisible();
    expect((await session).status).toBe('EXPIRED');
    await expect(card).toHaveCount(0);
    await expect(approver.page.getByRole('status').getByText('Expired')).toBeVisible();
  });

  test('an answer sent after expiry says so calmly', async ({ world, approver }) => {
    const key = await world.createKey({ name: 'too-late', mode: 'push' });
    await approver.open('approval');
    const session = world.requestSession(key.apiKey);
    const card = approver.page.getByRole('article');
    await expect(card).toBeVisible();
    const release = approver.bridge.holdEvents();
    expect((await session).status).toBe('EXPIRED');
    await card.getByRole('button', { name: 'Approve' }).click();
    await expect(approver.page.getByText('Expired before your answer arrived. No session was opened.')).toBeVisible();
    await expect(approver.page.getByRole('alert')).toHaveCount(0);
    await release();
    await expect(card).toHaveCount(0);
  });
});
