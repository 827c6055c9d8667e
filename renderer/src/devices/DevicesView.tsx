// Devices: who can approve for the account's user, removing one that should not, and the audit trail of every
// pairing and removal. Both lists follow the push stream's enrolment events.
import { useState } from 'react';
import { invoke } from '../bridge.js';
import { AccountPicker } from '../components/AccountPicker.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { ManageLayout } from '../components/ManageLayout.js';
import { NoAccount } from '../components/NoAccount.js';
import { useBridgeEvent } from '../hooks/useBridgeEvent.js';
import { useLoad } from '../hooks/useLoad.js';
import { useNow } from '../hooks/useNow.js';
import { useSelectedAccount } from '../hooks/useSelectedAccount.js';
import type { Route } from '../route.js';
import { AuditTrail } from './AuditTrail.js';
import { DeviceList } from './DeviceList.js';

export function DevicesView({ route }: { route: Route }) {
  const selection = useSelectedAccount(route);
  const { account } = selection;
  const devices = useLoad(account ? () => invoke('devices:list', account.id) : null, [account?.id]);
  const events = useLoad(account ? () => invoke('devices:events', account.id, {}) : null, [account?.id]);
  const [message, setMessage] = useState('');
  const now = useNow(30_000);
  const reload = () => {
    devices.reload();
    events.reload();
  };
  useBridgeEvent('devices:enrolment', (notice) => {
    if (notice.accountId === account?.id) reload();
  });

  if (!account || !selection.accounts) {
    return (
      <ManageLayout view="devices" title="Devices">
        <NoAccount state={selection} />
      </ManageLayout>
    );
  }

  return (
    <ManageLayout view="devices" title="Devices" onDeviceRemoved={reload}>
      <div className="toolbar">
        <AccountPicker accounts={selection.accounts} selected={account} onSelect={selection.select} />
        <button
          type="button"
          className="button button--small toolbar__end"
          onClick={reload}
          disabled={devices.loading || events.loading}
        >
          {devices.loading || events.loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      <div role="status">{message ? <p className="notice notice--success">{message}</p> : null}</div>
      <DeviceList
        account={account}
        devices={devices}
        now={now}
        onRemoved={(device) => {
          setMessage(`‘${device.name}’ was removed. It can no longer approve anything.`);
          reload();
        }}
      />
      <ErrorNotice error={events.error} />
      <AuditTrail events={events} />
    </ManageLayout>
  );
}
