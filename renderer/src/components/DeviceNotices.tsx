// Devices paired or removed elsewhere, in whichever management window is open: "New approver 'X' (linux) paired
// from 203.0.113.66 at 14:02 — not you? Remove it", with a Remove button (after a confirmation) and Dismiss. The
// desktop notification says the same; this is where it waits on a desktop whose notifications report no clicks.
import { useCallback, useEffect, useState } from 'react';
import { invoke } from '../bridge.js';
import { invitedBy, noticeTitle } from '../devices/words.js';
import { formatDateTime } from '../format.js';
import { useAction } from '../hooks/useAction.js';
import { useBridgeEvent } from '../hooks/useBridgeEvent.js';
import { routeHash } from '../route.js';
import type { DeviceNotice } from '../types.js';
import { ConfirmDialog } from './ConfirmDialog.js';
import { ErrorNotice } from './ErrorNotice.js';

const key = (notice: DeviceNotice) => `${notice.accountId}:${notice.eventId}`;

export function DeviceNotices({ onRemoved }: { onRemoved?: () => void }) {
  const [notices, setNotices] = useState<DeviceNotice[]>([]);
  const [message, setMessage] = useState('');
  const load = useCallback(() => {
    void invoke('devices:notices').then((result) => {
      if (result.ok) setNotices(result.value);
    });
  }, []);
  useEffect(load, [load]);
  useBridgeEvent('devices:notices-changed', setNotices);
  return (
    <div className="device-notices">
      <div aria-live="assertive">
        {notices.map((notice) => (
          <NoticeItem
            key={key(notice)}
            notice={notice}
            onRemoved={() => {
              setMessage(`‘${notice.device.name}’ was removed. It can no longer approve anything.`);
              onRemoved?.();
            }}
          />
        ))}
      </div>
      <div role="status">{message ? <p className="notice notice--success">{message}</p> : null}</div>
    </div>
  );
}

function NoticeItem({ notice, onRemoved }: { notice: DeviceNotice; onRemoved: () => void }) {
  const [confirming, setConfirming] = useState(false);
  const remove = useAction(() => invoke('devices:remove', notice.accountId, notice.device.id));
  const dismiss = useAction(() => invoke('devices:dismiss-notice', notice.accountId, notice.eventId));
  const paired = notice.kind === 'paired';
  return (
    <div className={`notice ${paired && notice.removable ? 'notice--error' : 'notice--warning'}`}>
      <p className="notice__title">{noticeTitle(notice)}</p>
      <p className="notice__body">
        {paired ? (
          <>
            For {notice.userName}, from <span className="mono">{notice.ip ?? 'an unknown address'}</span> at{' '}
            <time dateTime={notice.at}>{formatDateTime(notice.at)}</time>, {invitedBy(notice)}.{' '}
            {notice.removable ? <strong>Not you? Remove it.</strong> : null}
          </>
        ) : (
          <>
            For {notice.userName}, at <time dateTime={notice.at}>{formatDateTime(notice.at)}</time>
            {notice.ip ? (
              <>
                , from <span className="mono">{notice.ip}</span>
              </>
            ) : null}
            . See <a href={routeHash({ view: 'devices', accountId: notice.accountId })}>Devices</a> for who is enrolled
            now.
          </>
        )}
      </p>
      <div className="actions">
        {paired && notice.removable ? (
          <button
            type="button"
            className="button button--small button--danger"
            disabled={remove.busy}
            onClick={() => setConfirming(true)}
          >
            Remove ‘{notice.device.name}’…
          </button>
        ) : null}
        <button type="button" className="button button--small" disabled={dismiss.busy} onClick={() => dismiss.run()}>
          {paired ? 'It was me — dismiss' : 'Dismiss'}
          <span className="visually-hidden"> the notice about ‘{notice.device.name}’</span>
        </button>
      </div>
      <ErrorNotice error={remove.error} onDismiss={remove.clearError} />
      <ErrorNotice error={dismiss.error} onDismiss={dismiss.clearError} />
      {confirming ? (
        <ConfirmDialog
          title={`Remove approver ‘${notice.device.name}’?`}
          confirmLabel="Remove device"
          onCancel={() => setConfirming(false)}
          onConfirm={async () => {
            setConfirming(false);
            const result = await remove.run();
            if (result?.ok) onRemoved();
          }}
        >
          <p>
            ‘{notice.device.name}’ ({notice.device.platform}) stops receiving {notice.userName}'s requests at once and
            can no longer approve, block or change anything. To come back it needs a new pairing code.
          </p>
        </ConfirmDialog>
      ) : null}
    </div>
  );
}
