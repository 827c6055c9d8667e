// Notification wiring: every new request posts one notification with the key name, IP and location; a click opens
// the approval window at that request. The core's own event emitter drives it; the notifier is the adapter
// boundary (the real node-notifier runs against a real daemon in test/notifications.test.ts).
import { describe, expect, it } from 'vitest';
import { CoreEventEmitter } from '../../main/core/events.js';
import {
  approvalNotification,
  type DesktopNotification,
  type DesktopNotifier,
  type NodeNotifierLike,
  nodeNotifierAdapter,
  notifierOptions,
  notifyNewApprovals,
} from '../../main/shell/notifications.js';
import { aPendingApproval } from './support/fixtures.js';

/** A notifier that keeps what was posted and lets the test click it. */
function postedNotifications() {
  const posted: Array<{ notification: DesktopNotification; click: (action?: string | null) => void }> = [];
  const notifier: DesktopNotifier = {
    show: (notification, onClick) => posted.push({ notification, click: (action = null) => onClick(action) }),
  };
  return { posted, notifier };
}

describe('approval notifications', () => {
  it('says the key name, the IP, the location and that the IP is new for this key', () => {
    const now = new Date();
    const approval = aPendingApproval({ expiry_time: new Date(now.getTime() + 90_000).toISOString() });
    expect(approvalNotification(approval, now)).toEqual({
      title: 'Session request for key “billing-bot”',
      body: 'From 198.51.100.23 — NL (52.37, 4.89)\nNew IP for this key\nClick to approve or block.',
      timeoutSeconds: 90,
    });
  });

  it('leaves out what it does not know, and the new-IP line for a known IP', () => {
    const approval = aPendingApproval({ ip_known: true, geolocation: null, ip: '2001:db8::5' });
    expect(approvalNotification(approval).body).toBe('From 2001:db8::5\nClick to approve or block.');
  });

  it('keeps key names on one line', () => {
    const approval = aPendingApproval({ credential: { id: 1, name: 'evil\nApproved ✓', mode: 'push' } });
    expect(approvalNotification(approval).title).toBe('Session request for key “evil Approved ✓”');
  });

  it('posts one notification per new request; a click opens the approval window at that request', () => {
    const events = new CoreEventEmitter();
    const { posted, notifier } = postedNotifications();
    const opened: Array<{ accountId: string; uuid: string }> = [];
    const unsubscribe = notifyNewApprovals(events, notifier, (target) => opened.push(target));

    const first = aPendingApproval({}, 'acct-1');
    const second = aPendingApproval({ credential: { id: 9, name: 'deploy', mode: 'push' } }, 'acct-2');
    events.emit('approval:added', first, { firstSeen: true });
    events.emit('approvals:changed', [first]);
    events.emit('approval:added', second, { firstSeen: true });
    expect(posted.map((p) => p.notification.title)).toEqual([
      'Session request for key “billing-bot”',
      'Session request for key “deploy”',
    ]);

    posted[1]?.click();
    expect(opened).toEqual([{ accountId: 'acct-2', uuid: second.request.uuid }]);

    // Still pending from before a restart: shown again by the window, but not notified a second time.
    events.emit('approval:added', aPendingApproval(), { firstSeen: false });
    expect(posted).toHaveLength(2);

    unsubscribe();
    events.emit('approval:added', aPendingApproval(), { firstSeen: true });
    expect(posted).toHaveLength(2);
  });
});

describe('node-notifier adapter', () => {
  const notification: DesktopNotification = { title: 'T', body: 'B', timeoutSeconds: 60 };
  const app = { name: 'Countersign', id: 'eu.countersign.approver', icon: '/app/resources/icon.png' };

  it('gives each platform helper only the flags it knows, always waiting for a click', () => {
    expect(notifierOptions(notification, 'linux', app)).toEqual({
      title: 'T',
      message: 'B',
      wait: true,
      icon: app.icon,
      timeout: 60,
      'app-name': 'Countersign',
    });
    expect(notifierOptions(notification, 'win32', app)).toEqual({
      title: 'T',
      message: 'B',
      wait: true,
      icon: app.icon,
      appID: 'eu.countersign.approver',
    });
    expect(notifierOptions(notification, 'darwin', app)).toEqual({ title: 'T', message: 'B', wait: true, timeout: 60 });
  });

  it("runs onClick when node-notifier answers 'activate' (its click), and reports errors", () => {
    // Stands in for node-notifier's module object: the callback protocol is node-notifier's own.
    const calls: Array<(error: Error | null, response: string | undefined) => void> = [];
    const fakeNodeNotifier: NodeNotifierLike = { notify: (_options, callback) => calls.push(callback) };
    const errors: Error[] = [];
    const adapter = nodeNotifierAdapter(fakeNodeNotifier, { platform: 'linux', app, onError: (e) => errors.push(e) });
    let clicks = 0;
    adapter.show(notification, () => clicks++);
    adapter.show(notification, () => clicks++);
    calls[0]?.(null, 'timeout');
    calls[1]?.(null, 'activate');
    expect(clicks).toBe(1);
    adapter.show(notification, () => clicks++);
    calls[2]?.('notify-send: no daemon' as unknown as Error, undefined);
    expect(errors.map((e) => e.message)).toEqual(['notify-send: no daemon']);
  });
});
