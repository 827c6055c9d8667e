// Chooses the account a management view works on. With one account it is just a line saying which one.
import { useId } from 'react';
import type { Account } from '../types.js';

export function accountLabel(account: Account): string {
  let host = account.server;
  try {
    host = new URL(account.server).host;
  } catch {
    // Not a URL: show it as stored.
  }
  return `${account.userName} @ ${host}`;
}

export function AccountPicker({
  accounts,
  selected,
  onSelect,
}: {
  accounts: Account[];
  selected: Account;
  onSelect: (accountId: string) => void;
}) {
  const id = useId();
  if (accounts.length === 1) {
    return <p className="account-line">Account: {accountLabel(selected)}</p>;
  }
  return (
    <div className="field field--inline">
      <label htmlFor={id}>Account</label>
      <select id={id} value={selected.id} onChange={(event) => onSelect(event.target.value)}>
        {accounts.map((account) => (
          <option key={account.id} value={account.id}>
            {accountLabel(account)}
          </option>
        ))}
      </select>
    </div>
  );
}
