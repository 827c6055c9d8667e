// Enrolment notifications: the words, the Remove button where the platform has one, and what a click does. The
// core's own event emitter drives them; the notifier is the adapter boundary.
import { describe, expect, it } from 'vitest';
import type { DeviceNotice } from '../../ipc/contract.js';
import { CoreEventEmitter } from '../../main/core/events.js';
import {
  clockTime,
  confirmRemoval,
  enrolmentNotification,
  notifyEnrolments,
  REMOVE_ACTION,
} from '../../main/shell/enrolment-notifications.js';
import {
  clickedAction,
  type DesktopNotification,
  type NodeNotifierLike,
  nodeNotifierAdapter,
  notifierOptions,
} from '../../main/shell/notifications.js';

const AT = '2026-11-23T14:02:00.000Z';

function aNotice(overrides: Partial<DeviceNotice> = {}): DeviceNotice {
  return {
    accountId: 'acct-1',
    userName: 'alice',
    eventId: 11,
    kind: 'paired',
    device: { id: 9, name: 'X', platform: 'linux' },
    ip: '203.0.113.66',
    at: AT,
    by: null,
    byThisDevice: false,
    removable: true,
    receivedAt: AT,
    ...overrides,
  };
}

describe('enrolment notifications', () => {
  it('says who paired from where and when, and offers to remove it', () => {
    expect(enrolmentNotification(aNotice())).toEqual({
      title: 'New approver for alice',
      body: `New approver 'X' (linux) paired from 203.0.113.66 at ${clockTime(AT)} — not you? Remove it`,
      timeoutSeconds: 600,
      actions: [REMOVE_ACTION],
    });
    expect(clockTime(AT)).toMatch(/^[0-2][0-9]:02$/);
  });

  it('says who removed a device: another device, the device itself, or the operator', () => {
    const removed = (by: DeviceNotice['by']) =>
      enrolmentNotification(aNotice({ kind: 'removed', by, removable: false })).body;
    expect(removed({ deviceId: 7, name: 'Y' })).toBe(`Approver 'X' was removed by 'Y' at ${clockTime(AT)}`);
    expect(removed({ deviceId: 9, name: 'X' })).toBe(
      `Approver 'X' was removed by itself (it was unpaired there) at ${clockTime(AT)}`,
    );
    expect(removed(null)).toBe(`Approver 'X' was removed by the server's operator at ${clockTime(AT)}`);
  });

  it('keeps a device name that tries to look like something else on one line', () => {
    const body = enrolmentNotification(
      aNotice({ device: { id: 9, name: "evil\nApproved ✓'", platform: 'other' } }),
    ).body;
    expect(body).not.toMatch(/\n/);
    expect(body).toContain("'evil Approved ✓''");
  });

  it('a click on a pairing asks to remove it; a click on a removal shows the devices; our own removal is silent', () => {
    const events = new CoreEventEmitter();
    const posted: Array<{ notification: DesktopNotification; click: (action: string | null) => void }> = [];
    const asked: DeviceNotice[] = [];
    const shown: string[] = [];
    notifyEnrolments(
      events,
      { show: (notification, click) => posted.push({ notification, click }) },
      { askRemoval: (notice) => asked.push(notice), showDevices: (accountId) => shown.push(accountId) },
    );
    events.emit('devices:enrolment', aNotice());
    events.emit('devices:enrolment', aNotice({ eventId: 12, kind: 'removed', by: { deviceId: 7, name: 'Y' } }));
    events.emit('devices:enrolment', aNotice({ eventId: 13, kind: 'removed', byThisDevice: true }));
    expect(posted.map((p) => p.notification.title)).toEqual(['New approver for alice', 'Approver removed for alice']);
    posted[0]!.click(REMOVE_ACTION);
    posted[0]!.click(null);
    posted[1]!.click(null);
    expect(asked.map((n) => n.eventId)).toEqual([11, 11]);
    expect(shown).toEqual(['acct-1']);
  });

  it('removes only after the user confirms; "Show devices" shows them; a failure is said', async () => {
    const removed: Array<[string, number]> = [];
    const shown: string[] = [];
    const errors: string[] = [];
    const run = (answer: number, result: { ok: true; value: undefined } | { ok: false; error: never }) =>
      confirmRemoval(aNotice(), {
        ask: async (question, buttons) => {
          expect(question.message).toBe("Remove approver 'X' (linux) from alice's devices?");
          expect(buttons).toEqual(['Remove', 'Show devices', 'Cancel']);
          return answer;
        },
        remove: async (accountId, deviceId) => {
          removed.push([accountId, deviceId]);
          return result;
        },
        showDevices: (accountId) => shown.push(accountId),
        showError: (message) => errors.push(message),
      });
    await run(2, { ok: true, value: undefined });
    await run(1, { ok: true, value: undefined });
    expect(removed).toEqual([]);
    expect(shown).toEqual(['acct-1']);
    await run(0, { ok: true, value: undefined });
    expect(removed).toEqual([['acct-1', 9]]);
    await run(0, {
      ok: false,
      error: { code: 'NOT_FOUND', message: 'Removing the device failed: Not found.' } as never,
    });
    expect(errors).toEqual(['Removing the device failed: Not found.']);
  });
});

describe('notification buttons through node-notifier', () => {
  const withRemove: DesktopNotification = { title: 't', body: 'b', timeoutSeconds: 60, actions: ['Remove'] };
  const app = { name: 'Countersign', id: 'eu.countersign.approver' };

  it('offers the buttons to SnoreToast and terminal-notifier, not to notify-send (which has none)', () => {
    expect(notifierOptions(withRemove, 'win32', app).actions).toEqual(['Remove']);
    expect(notifierOptions(withRemove, 'darwin', app).actions).toEqual(['Remove']);
    expect(notifierOptions(withRemove, 'linux', app)).not.toHaveProperty('actions');
  });

  it("maps each helper's answer to the button clicked, or to a click on the notification", () => {
    // terminal-notifier: any click is 'activate'; an action button's label comes as activationValue.
    expect(clickedAction(withRemove, 'activate', { activationValue: 'Remove' })).toEqual({
      clicked: true,
      action: 'Remove',
    });
    expect(clickedAction(withRemove, 'activate', { activationType: 'contentsClicked' })).toEqual({
      clicked: true,
      action: null,
    });
    // SnoreToast: the button's label, lower-cased by node-notifier.
    expect(clickedAction(withRemove, 'remove', {})).toEqual({ clicked: true, action: 'Remove' });
    expect(clickedAction(withRemove, 'timeout', {})).toEqual({ clicked: false });
    expect(clickedAction(withRemove, 'dismissed', {})).toEqual({ clicked: false });
  });

  it('the adapter calls back with the action', () => {
    const answers: Array<[string, unknown]> = [
      ['remove', {}],
      ['activate', { activationValue: 'Remove' }],
      ['timeout', {}],
    ];
    const fake: NodeNotifierLike = {
      notify: (_options, callback) => {
        const [response, metadata] = answers.shift()!;
        callback(null, response, metadata);
      },
    };
    const clicks: Array<string | null> = [];
    const adapter = nodeNotifierAdapter(fake, { platform: 'win32', app });
    for (let i = 0; i < 3; i++) adapter.show(withRemove, (action) => clicks.push(action));
    expect(clicks).toEqual(['Remove', 'Remove']);
  });
});
