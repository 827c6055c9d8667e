// Accounts: the servers and users this desktop approves for, their connection, pairing a new one, and the app's
// own settings.
import { useState } from 'react';
import { accountLabel } from '../components/AccountPicker.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { ManageLayout } from '../components/ManageLayout.js';
import { useAccounts } from '../hooks/useAccounts.js';
import { AccountItem } from './AccountItem.js';
import { AppSettings } from './AppSettings.js';
import { PinSettings } from './PinSettings.js';
import { PairForm } from './PairForm.js';

export function AccountsView() {
  const { accounts, error, reload } = useAccounts();
  const [message, setMessage] = useState('');
  return (
    <ManageLayout view="accounts" title="Accounts">
      <ErrorNotice error={error} />
      <div role="status">{message ? <p className="notice notice--success">{message}</p> : null}</div>
      <section aria-labelledby="accounts-heading">
        <h2 id="accounts-heading">Paired accounts</h2>
        {accounts === null ? (
          error ? null : (
            <p className="muted">Loading accounts…</p>
          )
        ) : accounts.length === 0 ? (
          <p className="empty">No account yet: pair this desktop below.</p>
        ) : (
          <ul className="account-list">
            {accounts.map((account) => (
              <AccountItem
                key={account.id}
                account={account}
                onRemoved={() => {
                  setMessage(`${accountLabel(account)} removed from this desktop.`);
                  reload();
                }}
              />
            ))}
          </ul>
        )}
      </section>
      <PairForm
        onPaired={(account) => {
          setMessage(`Paired with ${accountLabel(account)}.`);
          reload();
        }}
      />
      <AppSettings />
      <PinSettings />
    </ManageLayout>
  );
}
