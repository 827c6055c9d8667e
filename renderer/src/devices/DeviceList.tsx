// The user's approver devices as the server lists them, each but this desktop's own removable (after a
// confirmation).
import { useState } from 'react';
import { invoke } from '../bridge.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { formatAgo, formatDateTime } from '../format.js';
import { useAction } from '../hooks/useAction.js';
import type { Loaded } from '../hooks/useLoad.js';
import type { Account, AccountDevice } from '../types.js';
import { platformName } from './words.js';

export function DeviceList({
  account,
  devices,
  now,
  onRemoved,
}: {
  account: Account;
  devices: Loaded<AccountDevice[]>;
  now: number;
  onRemoved: (device: AccountDevice) => void;
}) {
  const [confirming, setConfirming] = useState<AccountDevice | null>(null);
  const remove = useAction((device: AccountDevice) => invoke('devices:remove', account.id, device.id));
  return (
    <section aria-labelledby="devices-heading">
      <h2 id="devices-heading">
        Approver devices of {account.userName}
        {devices.value ? <span className="muted"> ({devices.value.length})</span> : null}
      </h2>
      <ErrorNotice error={devices.error} />
      <ErrorNotice error={remove.error} onDismiss={remove.clearError} />
      {devices.value === null ? (
        devices.error ? null : (
          <p className="muted">Loading devices…</p>
        )
      ) : (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Device</th>
                <th scope="col">Platform</th>
                <th scope="col">Paired</th>
                <th scope="col">Last seen</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {devices.value.map((device) => (
                <tr key={device.id}>
                  <td>
                    {device.name} {device.thisDevice ? <span className="badge badge--active">This desktop</span> : null}
                  </td>
                  <td>{platformName(device.platform)}</td>
                  <td className="nowrap">
                    <time dateTime={device.created}>{formatDateTime(device.created)}</time>
                  </td>
                  <td className="nowrap">{formatAgo(device.lastSeen, now)}</td>
                  <td className="table__action">
                    {device.thisDevice ? (
                      <span className="muted small">Remove the account in Accounts</span>
                    ) : (
                      <button
                        type="button"
                        className="button button--small button--danger-outline"
                        disabled={remove.busy}
                        onClick={() => setConfirming(device)}
                      >
                        Remove<span className="visually-hidden"> ‘{device.name}’</span>
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {confirming ? (
        <ConfirmDialog
          title={`Remove approver ‘${confirming.name}’?`}
          confirmLabel="Remove device"
          onCancel={() => setConfirming(null)}
          onConfirm={async () => {
            const device = confirming;
            setConfirming(null);
            const result = await remove.run(device);
            if (result?.ok) onRemoved(device);
          }}
        >
          <p>
            ‘{confirming.name}’ stops receiving {account.userName}'s requests at once and can no longer approve, block
            or change anything. To come back it needs a new pairing code.
          </p>
        </ConfirmDialog>
      ) : null}
    </section>
  );
}
