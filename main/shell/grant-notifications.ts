// The quiet notice of sessions that opened without asking (a grant or a permitted IP let them in): one desktop
// notification per batch, "2 sessions opened for ci-bot under 'runner-3, 8 h'", with a "This wasn't me" button
// where the platform has buttons. The button asks for confirmation, then revokes the key's grants, deactivates it
// and ends its sessions in one call. A click on the notice itself opens the Grants view. On Linux, where
// notify-send reports no clicks, the same notice waits in the app (the Grants view) with the same button.
import type { ApproverCore, NotMeOutcome, SessionsOpenedNotice } from '../core/api.js';
import { type DesktopNotification, type DesktopNotifier, plain } from './notifications.js';

export const NOT_ME_ACTION = "This wasn't me";

export function sessionsOpenedNotification(notice: SessionsOpenedNotice): DesktopNotification {
  return {
    title: plain(`Sessions opened for ${notice.credentialName} without asking`, 120),
    body: plain(`${notice.summary}. Not you? Click “${NOT_ME_ACTION}”.`, 300),
    // Quiet: it informs, nobody has to answer it.
    timeoutSeconds: 15,
    actions: [NOT_ME_ACTION],
  };
}

export function notMeQuestion(notice: SessionsOpenedNotice): { title: string; message: string; detail: string } {
  return {
    title: 'End everything for this key?',
    message: `${plain(notice.summary, 200)}. Were these not yours?`,
    detail: `Countersign will revoke every grant of key ${plain(notice.credentialName, 100)}, deactivate the key and end all of its open sessions. Set it ACTIVE again once you know it is safe.`,
  };
}

export const NOT_ME_BUTTONS = ["End everything — this wasn't me", 'Cancel'] as const;

export interface NotMeDeps {
  ask(question: ReturnType<typeof notMeQuestion>, buttons: readonly string[]): Promise<number>;
  reportNotMe(accountId: string, credentialId: number): ReturnType<ApproverCore['reportNotMe']>;
  showError(message: string): void;
}

/** Asks first (a stray click must not deactivate a key), then answers "This wasn't me" at the server. */
export async function confirmNotMe(notice: SessionsOpenedNotice, deps: NotMeDeps): Promise<NotMeOutcome | null> {
  const answer = await deps.ask(notMeQuestion(notice), NOT_ME_BUTTONS);
  if (answer !== 0) return null;
  const done = await deps.reportNotMe(notice.accountId, notice.credentialId);
  if (!done.ok) {
    deps.showError(done.error.message);
    return null;
  }
  return done.value;
}

export interface SessionsOpenedActions {
  /** The "This wasn't me" button: confirm, then report. */
  notMe(notice: SessionsOpenedNotice): void;
  /** A click on the notice: show the grants. */
  showGrants(accountId: string, credentialId: number): void;
}

export function notifySessionsOpened(
  core: Pick<ApproverCore, 'on'>,
  notifier: DesktopNotifier,
  actions: SessionsOpenedActions,
): () => void {
  return core.on('grants:sessions-opened', (notice) => {
    notifier.show(sessionsOpenedNotification(notice), (action) => {
      if (action === NOT_ME_ACTION) actions.notMe(notice);
      else actions.showGrants(notice.accountId, notice.credentialId);
    });
  });
}
