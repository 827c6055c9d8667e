import { ErrorNotice } from './ErrorNotice.js';
import type { AccountsState } from '../hooks/useAccounts.js';

/** What a management view shows until an account is there to manage. */
export function NoAccount({ state }: { state: AccountsState }) {
  if (state.error) return <ErrorNotice error={state.error} />;
  if (state.accounts === null) return <p className="muted">Loading accounts…</p>;
  return (
    <div className="empty">
      <p>This desktop is not paired with any account yet.</p>
      <p>
        <a href="#accounts">Pair it in Accounts</a> with the link or code your server administrator gave you.
      </p>
    </div>
  );
}
