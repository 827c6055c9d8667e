// One paired account: who and where, its connection, and inviting another device or removing it from this desktop.
import { useId, useState } from 'react';
import { invoke } from '../bridge.js';
import { accountLabel } from '../components/AccountPicker.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { formatDateTime } from '../format.js';
import { routeHash } from '../route.js';
import { useAction } from '../hooks/useAction.js';
import type { Account, PairingCodeIssued } from '../types.js';
import { ConnectionBadge } from './ConnectionBadge.js';
import { InvitePanel } from './InvitePanel.js';
import { OfflineCode } from './OfflineCode.js';

export function AccountItem({ account, onRemoved }: { account: Account; onRemoved: () => void }) {
  const [invite, setInvite] = useState<PairingCodeIssued | null>(null);
  const [confirming, setConfirming] = useState(false);
  const issue = useAction(() => invoke('accounts:invite', account.id));
  const remove = useAction(() => invoke('accounts:remove', account.id));
  const headingId = useId();
  const label = accountLabel(account);

  return (
    <li className="account" aria-labelledby={headingId}>
      <div className="account__head">
        <h3 id={headingId}>{label}</h3>
        <ConnectionBadge connection={account.connection} />
      </div>
      <dl className="facts">
        <div className="facts__row">
          <dt>Server</dt>
          <dd className="mono facts__wrap">{account.server}</dd>
        </div>
        <div className="facts__row">
          <dt>This device</dt>
          <dd>
            {account.deviceName} <span className="muted">(device {account.deviceId})</span>{' '}
            <a href={routeHash({ view: 'devices', accountId: account.id })}>
              All devices and the audit trail<span className="visually-hidden"> of {label}</span>
            </a>
          </dd>
        </div>
        <div className="facts__row">
          <dt>Paired</dt>
          <dd>{formatDateTime(account.created)}</dd>
        </div>
        <div className="facts__row">
          <dt>Your IP</dt>
          <dd className="mono">{account.clientIp ?? '—'}</dd>
        </div>
        <div className="facts__row">
          <dt>Offline code</dt>
          <dd>
            <OfflineCode accountId={account.id} label={label} />
          </dd>
        </div>
        <div className="facts__row">
          <dt>Certificate</dt>
          <dd className="facts__wrap">
            {account.tlsFingerprint ? (
              <span className="mono">{account.tlsFingerprint}</span>
            ) : (
              'None (local server over plain HTTP)'
            )}
          </dd>
        </div>
      </dl>
      <div className="actions">
        <button
          type="button"
          className="button button--small"
          disabled={issue.busy}
          onClick={async () => {
            const result = await issue.run();
            if (result?.ok) setInvite(result.value);
          }}
        >
          Invite another device<span className="visually-hidden"> to {label}</span>
        </button>
        <button
          type="button"
          className="button button--small button--danger-outline"
          onClick={() => setConfirming(true)}
        >
          Remove<span className="visually-hidden"> {label}</span>
        </button>
      </div>
      <ErrorNotice error={issue.error} onDismiss={issue.clearError} />
      <ErrorNotice error={remove.error} onDismiss={remove.clearError} />
      {invite ? <InvitePanel invite={invite} onClose={() => setInvite(null)} /> : null}
      {confirming ? (
        <ConfirmDialog
          title={`Remove ${label}?`}
          confirmLabel="Remove account"
          onCancel={() => setConfirming(false)}
          onConfirm={async () => {
            setConfirming(false);
            const result = await remove.run();
            if (result?.ok) onRemoved();
          }}
        >
          <p>
            This desktop stops receiving its approval requests. Countersign revokes this device on the server (when it
            can reach it) and deletes the device key and the offline code's secret from the keychain. To use it again
            you need a new pairing code.
          </p>
        </ConfirmDialog>
      ) : null}
    </li>
  );
}
