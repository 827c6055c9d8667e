// The IP manager: per key, its permitted IPs (ACTIVE / INACTIVE) as the server reports them. As in bunq an IP is
// immutable: it is switched on or off, and a different address is a new entry.
import { useId, useState } from 'react';
import { invoke } from '../bridge.js';
import { AccountPicker } from '../components/AccountPicker.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { ManageLayout } from '../components/ManageLayout.js';
import { NoAccount } from '../components/NoAccount.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { formatDate, MODE_HINTS, MODE_LABELS } from '../format.js';
import { useAction } from '../hooks/useAction.js';
import { useLoad } from '../hooks/useLoad.js';
import { navigate } from '../hooks/useRoute.js';
import { useSelectedAccount } from '../hooks/useSelectedAccount.js';
import { type Route, routeHash } from '../route.js';
import type { IpStatus, PermittedIp } from '../types.js';
import { AddIpForm } from './AddIpForm.js';

export function IpsView({ route }: { route: Route }) {
  const selection = useSelectedAccount(route);
  const { account } = selection;
  const keys = useLoad(account ? () => invoke('keys:list', account.id) : null, [account?.id]);
  const key = keys.value?.find((k) => k.id === route.credentialId) ?? keys.value?.[0] ?? null;
  const ips = useLoad(account && key ? () => invoke('ips:list', account.id, key.id) : null, [account?.id, key?.id]);
  const [announcement, setAnnouncement] = useState('');
  const keyPickerId = useId();
  const toggle = useAction((ip: PermittedIp, status: IpStatus) =>
    invoke('ips:set-status', account?.id ?? '', key?.id ?? 0, ip.id, status),
  );

  if (!account || !selection.accounts) {
    return (
      <ManageLayout view="ips" title="IP addresses">
        <NoAccount state={selection} />
      </ManageLayout>
    );
  }

  const setStatus = async (ip: PermittedIp, status: IpStatus) => {
    const result = await toggle.run(ip, status);
    if (result?.ok) {
      ips.set((list) => list?.map((existing) => (existing.id === result.value.id ? result.value : existing)) ?? null);
      setAnnouncement(`${ip.ip} is now ${status === 'ACTIVE' ? 'active' : 'inactive'}.`);
      keys.reload();
    }
  };

  return (
    <ManageLayout view="ips" title="IP addresses">
      <div className="toolbar">
        <AccountPicker accounts={selection.accounts} selected={account} onSelect={selection.select} />
        {keys.value && keys.value.length > 0 && key ? (
          <div className="field field--inline">
            <label htmlFor={keyPickerId}>Key</label>
            <select
              id={keyPickerId}
              value={key.id}
              onChange={(event) =>
                navigate({ view: 'ips', accountId: account.id, credentialId: Number(event.target.value) })
              }
            >
              {keys.value.map((k) => (
                <option key={k.id} value={k.id}>
                  {k.name}
                </option>
              ))}
            </select>
          </div>
        ) : null}
        <a className="toolbar__end" href={routeHash({ view: 'keys', accountId: account.id })}>
          Back to keys
        </a>
      </div>
      <ErrorNotice error={keys.error} />
      {keys.value?.length === 0 ? (
        <p className="empty">
          This account has no keys yet. <a href="#keys">Create one in Keys</a>.
        </p>
      ) : null}
      {key ? (
        <>
          <section aria-labelledby="ips-heading" className="panel">
            <h2 id="ips-heading">Permitted IPs of “{key.name}”</h2>
            <p className="hint">
              {MODE_LABELS[key.mode]}: {MODE_HINTS[key.mode]}
            </p>
            <p className="hint">
              An IP address cannot be edited (as in bunq). To change one, deactivate it and add the new address.
            </p>
            <ErrorNotice error={ips.error} />
            <ErrorNotice error={toggle.error} onDismiss={toggle.clearError} />
            {ips.value === null ? (
              ips.error ? null : (
                <p className="muted">Loading IPs…</p>
              )
            ) : ips.value.length === 0 ? (
              <p className="empty">No permitted IPs yet.</p>
            ) : (
              <table className="table">
                <thead>
                  <tr>
                    <th scope="col">IP address</th>
                    <th scope="col">Status</th>
                    <th scope="col">Added</th>
                    <th scope="col">
                      <span className="visually-hidden">Action</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {ips.value.map((ip) => (
                    <tr key={ip.id}>
                      <td className="mono">{ip.ip}</td>
                      <td>
                        <StatusBadge status={ip.status} label={ip.status === 'ACTIVE' ? 'Active' : 'Inactive'} />
                      </td>
                      <td>{formatDate(ip.created)}</td>
                      <td className="table__action">
                        <button
                          type="button"
                          className="button button--small"
                          disabled={toggle.busy}
                          onClick={() => setStatus(ip, ip.status === 'ACTIVE' ? 'INACTIVE' : 'ACTIVE')}
                        >
                          {ip.status === 'ACTIVE' ? 'Deactivate' : 'Activate'}
                          <span className="visually-hidden"> {ip.ip}</span>
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            )}
            <p className="visually-hidden" role="status">
              {announcement}
            </p>
          </section>
          <AddIpForm
            accountId={account.id}
            credentialId={key.id}
            keyName={key.name}
            clientIp={account.clientIp}
            existing={ips.value ?? []}
            onAdded={(ip) => {
              ips.set((list) => [...(list ?? []).filter((existing) => existing.id !== ip.id), ip]);
              setAnnouncement(`${ip.ip} added as ${ip.status === 'ACTIVE' ? 'active' : 'inactive'}.`);
              keys.reload();
            }}
          />
        </>
      ) : null}
    </ManageLayout>
  );
}
