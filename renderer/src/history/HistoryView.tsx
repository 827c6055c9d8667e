// History: what this desktop saw and decided (its own record, kept locally), or the server's record of every
// session request of the account's user, filtered by key and status.
import { useId, useState } from 'react';
import { invoke } from '../bridge.js';
import { AccountPicker } from '../components/AccountPicker.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { ManageLayout } from '../components/ManageLayout.js';
import { NoAccount } from '../components/NoAccount.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { formatDateTime, STATUS_LABELS } from '../format.js';
import { useLoad } from '../hooks/useLoad.js';
import { useSelectedAccount } from '../hooks/useSelectedAccount.js';
import type { Route } from '../route.js';
import type { RequestStatus, Result } from '../types.js';
import { type HistoryRow, localRow, serverRow } from './rows.js';

const STATUSES: RequestStatus[] = ['PENDING', 'ACCEPTED', 'REJECTED', 'EXPIRED'];
type Source = 'local' | 'server';

export function HistoryView({ route }: { route: Route }) {
  const selection = useSelectedAccount(route);
  const { account } = selection;
  const [source, setSource] = useState<Source>('local');
  const [credentialId, setCredentialId] = useState<number | undefined>(route.credentialId);
  const [status, setStatus] = useState<RequestStatus | undefined>(undefined);
  const ids = { source: useId(), key: useId(), status: useId() };
  const keys = useLoad(account ? () => invoke('keys:list', account.id) : null, [account?.id]);

  const filters = { ...(credentialId ? { credentialId } : {}), ...(status ? { status } : {}) };
  const rows = useLoad<HistoryRow[]>(
    account
      ? async (): Promise<Result<HistoryRow[]>> => {
          if (source === 'local') {
            const result = await invoke('history:local', { accountId: account.id, ...filters, limit: 200 });
            return result.ok ? { ok: true, value: result.value.map(localRow) } : result;
          }
          const result = await invoke('history:server', account.id, { ...filters, count: 200 });
          return result.ok ? { ok: true, value: result.value.map((e) => serverRow(e, account.deviceId)) } : result;
        }
      : null,
    [account?.id, source, credentialId, status],
  );

  if (!account || !selection.accounts) {
    return (
      <ManageLayout view="history" title="History">
        <NoAccount state={selection} />
      </ManageLayout>
    );
  }

  return (
    <ManageLayout view="history" title="History">
      <div className="toolbar">
        <AccountPicker accounts={selection.accounts} selected={account} onSelect={selection.select} />
      </div>
      <form className="filters" aria-label="Filters" onSubmit={(event) => event.preventDefault()}>
        <fieldset className="segmented">
          <legend className="visually-hidden">Whose record</legend>
          <label className="segmented__option">
            <input type="radio" name={ids.source} checked={source === 'local'} onChange={() => setSource('local')} />
            <span>This desktop</span>
          </label>
          <label className="segmented__option">
            <input type="radio" name={ids.source} checked={source === 'server'} onChange={() => setSource('server')} />
            <span>Server</span>
          </label>
        </fieldset>
        <div className="field field--inline">
          <label htmlFor={ids.key}>Key</label>
          <select
            id={ids.key}
            value={credentialId ?? ''}
            onChange={(event) => setCredentialId(event.target.value ? Number(event.target.value) : undefined)}
          >
            <option value="">All keys</option>
            {(keys.value ?? []).map((key) => (
              <option key={key.id} value={key.id}>
                {key.name}
              </option>
            ))}
          </select>
        </div>
        <div className="field field--inline">
          <label htmlFor={ids.status}>Status</label>
          <select
            id={ids.status}
            value={status ?? ''}
            onChange={(event) => setStatus((event.target.value || undefined) as RequestStatus | undefined)}
          >
            <option value="">Any status</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABELS[s]}
              </option>
            ))}
          </select>
        </div>
        <button type="button" className="button button--small" onClick={rows.reload} disabled={rows.loading}>
          {rows.loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </form>
      <ErrorNotice error={rows.error} />
      <section aria-labelledby="history-heading">
        <h2 id="history-heading">
          {source === 'local' ? 'Requests this desktop saw' : 'Requests the server recorded'}
          {rows.value ? <span className="muted"> ({rows.value.length})</span> : null}
        </h2>
        {rows.value === null ? (
          rows.error ? null : (
            <p className="muted">Loading history…</p>
          )
        ) : rows.value.length === 0 ? (
          <p className="empty">No requests match these filters.</p>
        ) : (
          <div className="table-scroll">
            <table className="table">
              <thead>
                <tr>
                  <th scope="col">Time</th>
                  <th scope="col">Key</th>
                  <th scope="col">Status</th>
                  <th scope="col">Decision</th>
                  <th scope="col">IP address</th>
                  <th scope="col">Location</th>
                  <th scope="col">Program</th>
                </tr>
              </thead>
              <tbody>
                {rows.value.map((row) => (
                  <tr key={row.id}>
                    <td className="nowrap">
                      <time dateTime={row.time}>{formatDateTime(row.time)}</time>
                    </td>
                    <td className="nowrap">{row.keyName}</td>
                    <td>
                      <StatusBadge status={row.status} />
                    </td>
                    <td>{row.decision}</td>
                    <td className="mono">{row.ip}</td>
                    <td>{row.location}</td>
                    <td>
                      {row.description ?? <span className="muted">No description</span>}
                      {row.userAgent ? <div className="muted small">{row.userAgent}</div> : null}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
    </ManageLayout>
  );
}
