// The quiet notices of sessions that opened without asking (a grant or a permitted IP let them in), in whichever
// management window is open: "2 sessions opened for ci-bot under 'runner-3, 8 h'", with "This wasn't me" (after a
// confirmation: revoke the key's grants, deactivate it and end its sessions) and Dismiss. The desktop notification
// says the same; this is where it waits on a desktop whose notifications report no clicks.
import { useCallback, useEffect, useState } from 'react';
import { invoke } from '../bridge.js';
import { formatDateTime, plural } from '../format.js';
import { useAction } from '../hooks/useAction.js';
import { useBridgeEvent } from '../hooks/useBridgeEvent.js';
import type { SessionsOpenedNotice } from '../types.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { ErrorNotice } from './ErrorNotice.js';

export function SessionNotices() {
  const [notices, setNotices] = useState<SessionsOpenedNotice[]>([]);
  const [message, setMessage] = useState('');
  const load = useCallback(() => {
    void invoke('grants:notices').then((result) => {
      if (result.ok) setNotices(result.value);
    });
  }, []);
  useEffect(load, [load]);
  useBridgeEvent('grants:notices-changed', setNotices);
  return (
    <div className="session-notices">
      <div aria-live="polite">
        {notices.map((notice) => (
          <NoticeItem key={notice.id} notice={notice} onDone={setMessage} />
        ))}
      </div>
      <div role="status">{message ? <p className="notice notice--success">{message}</p> : null}</div>
    </div>
  );
}

function NoticeItem({ notice, onDone }: { notice: SessionsOpenedNotice; onDone: (message: string) => void }) {
  const [confirming, setConfirming] = useState(false);
  const notMe = useAction(() => invoke('grants:not-me', notice.accountId, notice.credentialId));
  const dismiss = useAction(() => invoke('grants:dismiss-notice', notice.id));
  return (
    <div className="notice notice--info">
      <p className="notice__title">{notice.summary}</p>
      <p className="notice__body">
        From <span className="mono">{notice.ips.join(', ')}</span>, last at{' '}
        <time dateTime={notice.lastAt}>{formatDateTime(notice.lastAt)}</time>.
      </p>
      <div className="actions">
        <button
          type="button"
          className="button button--small"
          onClick={() => void dismiss.run()}
          disabled={dismiss.busy || notMe.busy}
        >
          Dismiss<span className="visually-hidden">: {notice.summary}</span>
        </button>
        <button
          type="button"
          className="button button--small button--danger"
          onClick={() => setConfirming(true)}
          disabled={notMe.busy}
        >
          {notMe.busy ? 'Ending everything…' : "This wasn't me"}
        </button>
      </div>
      <ErrorNotice error={notMe.error ?? dismiss.error} />
      {confirming ? (
        <ConfirmDialog
          title="End everything for this key?"
          confirmLabel="End everything"
          onCancel={() => setConfirming(false)}
          onConfirm={async () => {
            setConfirming(false);
            const result = await notMe.run();
            if (result?.ok)
              onDone(
                `Key ${notice.credentialName} is deactivated: ${plural(result.value.grantsRevoked, 'grant')} revoked, ${plural(result.value.sessionsEnded, 'session')} ended.`,
              );
          }}
        >
          <p>
            Countersign will revoke every grant of key <strong>{notice.credentialName}</strong>, deactivate the key and
            end all of its open sessions. Set it ACTIVE again once you know it is safe.
          </p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
