// A real notification: the core's event → the shell's wiring → node-notifier → notify-send → the session bus →
// dunst. Observed on the bus with dbus-monitor (the Notify call and the daemon's reply with a notification id).
// Runs inside scripts/with-desktop-session.sh, which provides the private bus, Xvfb and dunst.
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import notifier from 'node-notifier';
import { afterEach, describe, expect, it } from 'vitest';
import { CoreEventEmitter } from '../main/core/events.js';
import { nodeNotifierAdapter, notifyNewApprovals } from '../main/shell/notifications.js';
import { aPendingApproval } from './shell/support/fixtures.js';

const has = (command: string) => spawnSync('sh', ['-c', `command -v ${command}`]).status === 0;
const missing = ['dbus-monitor', 'notify-send', 'dunst'].filter((c) => !has(c));
const why = !process.env.DBUS_SESSION_BUS_ADDRESS
  ? 'no D-Bus session bus: run inside scripts/with-desktop-session.sh'
  : !process.env.DISPLAY
    ? 'no X display for the notification daemon: run inside scripts/with-desktop-session.sh'
    : missing.length > 0
      ? `missing ${missing.join(', ')} (installed by .ci/run)`
      : null;

// On CI a missing notification daemon is a failure, not a skip (see the first test).
const failOnCi = why !== null && Boolean(process.env.CI);

let monitor: ChildProcess | null = null;
afterEach(() => {
  monitor?.kill();
  monitor = null;
});

/** Watches the bus for Notify calls and every method return; resolves once the monitor is attached. */
async function watchNotifications(): Promise<{ log: () => string }> {
  let output = '';
  monitor = spawn('dbus-monitor', [
    '--session',
    'type=method_call,interface=org.freedesktop.Notifications,member=Notify',
    'type=method_return',
  ]);
  monitor.stdout?.on('data', (chunk: Buffer) => {
    output += chunk.toString('utf8');
  });
  // dbus-monitor first receives NameAcquired for its own connection: from then on it sees the bus.
  await waitFor(() => output.includes('member=NameAcquired'), 'dbus-monitor to attach');
  return { log: () => output };
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** The Notify call whose summary is `title`, and the daemon's reply to it (the notification id), if seen. */
function findNotify(log: string, title: string) {
  // Each message starts a line with its kind; a multi-line string argument continues on lines of its own.
  const messages = log.split(/\n(?=(?:method call|method return|signal|error) )/);
  const call = messages.find((m) => m.includes('member=Notify') && m.includes(`string "${title}"`));
  if (!call) return null;
  const sender = /sender=(\S+)/.exec(call)?.[1];
  const serial = /serial=(\d+)/.exec(call)?.[1];
  const reply = messages.find(
    (m) =>
      m.startsWith('method return') && m.includes(`destination=${sender} `) && m.includes(`reply_serial=${serial}`),
  );
  const strings = [...call.matchAll(/^ {3}string "([\s\S]*?)"$/gm)].map((match) => match[1]);
  return { strings, replyId: reply ? Number(/uint32 (\d+)/.exec(reply)?.[1]) : null };
}

describe('notifications (real node-notifier, real daemon)', () => {
  it.runIf(failOnCi)('has the notification daemon it needs', () => {
    throw new Error(`CI is set but notifications cannot be observed here: ${why}.`);
  });

  it.skipIf(why !== null)(
    `posts one for a new request with the key name, IP and location${why ? ` — skipped: ${why}` : ''}`,
    async () => {
      const bus = await watchNotifications();
      const events = new CoreEventEmitter();
      const errors: Error[] = [];
      const adapter = nodeNotifierAdapter(notifier, {
        platform: process.platform,
        app: { name: 'Countersign', id: 'eu.countersign.approver' },
        onError: (error) => errors.push(error),
      });
      notifyNewApprovals(events, adapter, () => {});

      const keyName = `billing-bot ${randomUUID().slice(0, 8)}`;
      events.emit('approval:added', aPendingApproval({ credential: { id: 3, name: keyName, mode: 'push' } }), {
        firstSeen: true,
      });

      const title = `Session request for key “${keyName}”`;
      await waitFor(() => findNotify(bus.log(), title)?.replyId != null, 'the daemon to accept the notification');
      const seen = findNotify(bus.log(), title)!;
      // Notify(app_name, replaces_id, app_icon, summary, body, …)
      expect(seen.strings[0]).toBe('Countersign');
      expect(seen.strings).toContain(title);
      expect(seen.strings).toContain(
        'From 198.51.100.23 — NL (52.37, 4.89)\nNew IP for this key\nClick to approve or block.',
      );
      expect(seen.replyId).toBeGreaterThan(0);
      expect(errors).toEqual([]);
    },
  );
});
