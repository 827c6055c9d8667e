// The key manager: the account's keys as the server reports them, creating a key (its value shown once), and
// per-key changes.
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
import type { Credential } from '../types.js';
import { CreateKeyForm } from './CreateKeyForm.js';
import { KeyItem } from './KeyItem.js';
import { NewKeyValue } from './NewKeyValue.js';

export function KeysView({ route }: { route: Route }) {
  const selection = useSelectedAccount(route);
  const { account } = selection;
  const keys = useLoad(account ? () => invoke('keys:list', account.id) : null, [account?.id]);
  const [created, setCreated] = useState<Credential | null>(null);
  const now = useNow(30_000);
  // A lock happens on the server (three blocks); show it in the list as soon as the push says so.
  useBridgeEvent('credential:locked', (info) => {
    if (info.accountId === account?.id) keys.reload();
  });

  if (!account || !selection.accounts) {
    return (
      <ManageLayout view="keys" title="API keys">
        <NoAccount state={selection} />
      </ManageLayout>
    );
  }

  const replace = (key: Credential) =>
    keys.set((list) => list?.map((existing) => (existing.id === key.id ? key : existing)) ?? null);

  return (
    <ManageLayout view="keys" title="API keys">
      <div className="toolbar">
        <AccountPicker accounts={selection.accounts} selected={account} onSelect={selection.select} />
        <button
          type="button"
          className="button button--small toolbar__end"
          onClick={keys.reload}
          disabled={keys.loading}
        >
          {keys.loading ? 'Refreshing…' : 'Refresh'}
        </button>
      </div>
      {created ? <NewKeyValue credential={created} onDone={() => setCreated(null)} /> : null}
      <section aria-labelledby="keys-heading">
        <h2 id="keys-heading">Keys</h2>
        <ErrorNotice error={keys.error} />
        {keys.value === null ? (
          keys.error ? null : (
            <p className="muted">Loading keys…</p>
          )
        ) : keys.value.length === 0 ? (
          <p className="empty">No keys yet. Create one below.</p>
        ) : (
          <ul className="key-list">
            {keys.value.map((key) => (
              <KeyItem key={key.id} accountId={account.id} credential={key} now={now} onChanged={replace} />
            ))}
          </ul>
        )}
      </section>
      <CreateKeyForm
        accountId={account.id}
        onCreated={(key) => {
          setCreated(key);
          keys.reload();
        }}
      />
    </ManageLayout>
  );
}
