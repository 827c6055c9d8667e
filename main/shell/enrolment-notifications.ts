// A desktop notification whenever a device of the user is paired or removed elsewhere: "New approver 'X' (linux)
// paired from 203.0.113.66 at 14:02 — not you? Remove it", and "Approver 'X' was removed by 'Y'". A click (or the
// Remove button, where the platform has notification buttons) asks to remove the new device, with a confirmation;
// on Linux, where notify-send reports no clicks, the same notice waits in the app (the Devices view).
import type { ApproverCore, DeviceNotice } from '../core/api.js';
import { type DesktopNotification, type DesktopNotifier, plain } from './notifications.js';

export const REMOVE_ACTION = 'Remove';

/** "14:02", on this desktop's clock. */
export function clockTime(iso: string): string {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return iso;
  return `${String(date.getHours()).padStart(2, '0')}:${String(date.getMinutes()).padStart(2, '0')}`;
}

const name = (text: string) => `'${plain(text, 100)}'`;

/** Who removed a device, in words: another device, the device itself, or the server's operator. */
export function removedByText(notice: DeviceNotice): string {
  if (notice.by === null) return "by the server's operator";
  if (notice.by.deviceId === notice.device.id) return 'by itself (it was unpaired there)';
  return `by ${name(notice.by.name)}`;
}

export function enrolmentNotification(notice: DeviceNotice): DesktopNotification {
  const { device } = notice;
  if (notice.kind === 'paired') {
    return {
      title: plain(`New approver for ${notice.userName}`, 120),
      body: plain(
        `New approver ${name(device.name)} (${device.platform}) paired from ${notice.ip ?? 'an unknown address'} at ${clockTime(notice.at)} — not you? Remove it`,
        300,
      ),
      // It matters until answered: as long as notification daemons keep one up.
      timeoutSeconds: 600,
      actions: [REMOVE_ACTION],
    };
  }
  return {
    title: plain(`Approver removed for ${notice.userName}`, 120),
    body: plain(`Approver ${name(device.name)} was removed ${removedByText(notice)} at ${clockTime(notice.at)}`, 300),
    timeoutSeconds: 30,
  };
}

/** What the confirmation before a removal says. */
export function removalQuestion(notice: DeviceNotice): { title: string; message: string; detail: string } {
  return {
    title: 'Remove this approver?',
    message: `Remove approver ${name(notice.device.name)} (${notice.device.platform}) from ${plain(notice.userName, 100)}'s devices?`,
    detail: `It was paired from ${notice.ip ?? 'an unknown address'} at ${clockTime(notice.at)}. Once removed it can no longer approve anything, and it has to be paired again with a new code to come back.`,
  };
}

export interface EnrolmentActions {
  /** The user clicked "not you? Remove it": confirm, then remove the device at the server. */
  askRemoval(notice: DeviceNotice): void;
  /** Show the account's devices and audit trail. */
  showDevices(accountId: string): void;
}

/**
 * Posts a notification for each enrolment event the core tells (each server event once). A removal made from this
 * desktop is not announced back to it.
 */
export function notifyEnrolments(
  core: Pick<ApproverCore, 'on'>,
  notifier: DesktopNotifier,
  actions: EnrolmentActions,
): () => void {
  return core.on('devices:enrolment', (notice) => {
    if (notice.kind === 'removed' && notice.byThisDevice) return;
    notifier.show(enrolmentNotification(notice), () => {
      if (notice.kind === 'paired') actions.askRemoval(notice);
      else actions.showDevices(notice.accountId);
    });
  });
}

export interface RemovalDeps {
  /** Shows the question with the buttons Remove, Show devices, Cancel; answers the index picked. */
  ask(question: ReturnType<typeof removalQuestion>, buttons: readonly string[]): Promise<number>;
  remove(accountId: string, deviceId: number): ReturnType<ApproverCore['removeDevice']>;
  showDevices(accountId: string): void;
  showError(message: string): void;
}

export const REMOVAL_BUTTONS = ['Remove', 'Show devices', 'Cancel'] as const;

/** Asks before removing (a stray click must not remove a device), then removes it at the server. */
export async function confirmRemoval(notice: DeviceNotice, deps: RemovalDeps): Promise<void> {
  const answer = await deps.ask(removalQuestion(notice), REMOVAL_BUTTONS);
  if (REMOVAL_BUTTONS[answer] === 'Show devices') deps.showDevices(notice.accountId);
  if (REMOVAL_BUTTONS[answer] !== 'Remove') return;
  const removed = await deps.remove(notice.accountId, notice.device.id);
  if (!removed.ok) deps.showError(removed.error.message);
}
