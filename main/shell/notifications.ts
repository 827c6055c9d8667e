// A desktop notification for every new approval request: the key name, the IP and where it is, and "new IP for
// this key" when the server does not know the IP for that key. Clicking it opens the approval window at that
// request. node-notifier sits behind the small DesktopNotifier adapter so the wiring is unit-tested; the real
// module is exercised against a real notification daemon in test/notifications.test.ts.
import type { Geolocation } from '../../protocol/index.js';
import type { ApproverCore, PendingApproval } from '../core/api.js';

export interface DesktopNotification {
  title: string;
  body: string;
  /** Seconds the notification stays up: until the request expires. */
  timeoutSeconds: number;
  /** Buttons on the notification, where the platform has them (macOS, Windows; notify-send reports no clicks). */
  actions?: readonly string[];
}

export interface DesktopNotifier {
  /**
   * Posts the notification; onClick runs when the user clicks it (on platforms that report clicks), with the
   * label of the action button clicked, or null for the notification itself.
   */
  show(notification: DesktopNotification, onClick: (action: string | null) => void): void;
}

/** Notification text is plain text on one line each: no control characters, bounded length. */
export function plain(text: string, max: number): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removing control characters is the point
  const clean = text.replace(/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/g, ' ').trim();
  return clean.length > max ? `${clean.slice(0, max - 1)}…` : clean;
}

export function describeLocation(geolocation: Geolocation | null): string | null {
  if (!geolocation) return null;
  const where = `${geolocation.latitude.toFixed(2)}, ${geolocation.longitude.toFixed(2)}`;
  return geolocation.country ? `${geolocation.country} (${where})` : where;
}

export function approvalNotification(approval: PendingApproval, now: Date = new Date()): DesktopNotification {
  const { credential, ip, ip_known, geolocation } = approval.request;
  const location = describeLocation(geolocation);
  const body = [
    `From ${ip}${location ? ` — ${location}` : ''}`,
    ip_known ? null : 'New IP for this key',
    'Click to approve or block.',
  ]
    .filter((line): line is string => line !== null)
    .join('\n');
  const secondsLeft = Math.ceil((Date.parse(approval.expiresAt) - now.getTime()) / 1000);
  return {
    title: plain(`Session request for key “${credential.name}”`, 120),
    body: body
      .split('\n')
      .map((line) => plain(line, 200))
      .join('\n'),
    timeoutSeconds: Math.max(5, Math.min(secondsLeft, 600)),
  };
}

/** Posts a notification for each request the core sees for the first time (not again after a restart). */
export function notifyNewApprovals(
  core: Pick<ApproverCore, 'on'>,
  notifier: DesktopNotifier,
  openApproval: (target: { accountId: string; uuid: string }) => void,
): () => void {
  return core.on('approval:added', (approval, { firstSeen }) => {
    if (!firstSeen) return;
    notifier.show(approvalNotification(approval), () =>
      openApproval({ accountId: approval.accountId, uuid: approval.request.uuid }),
    );
  });
}

/** The part of node-notifier's API the adapter uses (its default export, or NotificationCenter/WindowsToaster). */
export interface NodeNotifierLike {
  notify(
    options: Record<string, unknown>,
    callback: (error: Error | null, response: string | undefined, metadata?: unknown) => void,
  ): unknown;
}

export interface NotifierApp {
  /** Shown as the sender on Linux. */
  name: string;
  /** The AppUserModelID on Windows (electron-builder's appId), without which toasts are attributed to nobody. */
  id: string;
  icon?: string;
}

/**
 * node-notifier's options per platform: each helper (notify-send, terminal-notifier, SnoreToast) gets only the
 * flags it knows, since node-notifier turns every option into a command-line flag.
 */
export function notifierOptions(
  notification: DesktopNotification,
  platform: NodeJS.Platform,
  app: NotifierApp,
): Record<string, unknown> {
  const common = { title: notification.title, message: notification.body, wait: true };
  const icon = app.icon === undefined ? {} : { icon: app.icon };
  // SnoreToast and terminal-notifier show action buttons; notify-send has none to offer.
  const actions = notification.actions?.length ? { actions: [...notification.actions] } : {};
  if (platform === 'win32') return { ...common, ...icon, ...actions, appID: app.id };
  if (platform === 'darwin') return { ...common, ...actions, timeout: notification.timeoutSeconds };
  return { ...common, ...icon, timeout: notification.timeoutSeconds, 'app-name': app.name };
}

/**
 * Which action a helper's answer names: node-notifier reports a click on the notification as 'activate' (on macOS
 * also a click on an action button, whose label is then metadata.activationValue), and SnoreToast's button as the
 * button's label in lower case.
 */
export function clickedAction(
  notification: DesktopNotification,
  response: string | undefined,
  metadata: unknown,
): { clicked: false } | { clicked: true; action: string | null } {
  const labels = notification.actions ?? [];
  if (response === 'activate') {
    const value = (metadata as { activationValue?: unknown } | null | undefined)?.activationValue;
    return { clicked: true, action: labels.find((label) => label === value) ?? null };
  }
  const button = labels.find((label) => label.toLowerCase() === response);
  return button === undefined ? { clicked: false } : { clicked: true, action: button };
}

/**
 * Adapts node-notifier. `wait: true` keeps the helper process waiting for the user; node-notifier then reports a
 * click as the response 'activate' to this notification's own callback (the moment it emits its global 'click'
 * event), so each click is tied to its own request without a shared listener.
 */
export function nodeNotifierAdapter(
  notifier: NodeNotifierLike,
  options: { platform: NodeJS.Platform; app: NotifierApp; onError?: (error: Error) => void },
): DesktopNotifier {
  return {
    show(notification, onClick) {
      notifier.notify(notifierOptions(notification, options.platform, options.app), (error, response, metadata) => {
        // notify-send reports failures as its stderr text, the other helpers as Error: normalise.
        if (error) options.onError?.(error instanceof Error ? error : new Error(String(error)));
        const clicked = clickedAction(notification, response, metadata);
        if (clicked.clicked) onClick(clicked.action);
      });
    },
  };
}
