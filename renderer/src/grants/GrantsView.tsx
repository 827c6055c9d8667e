// Grants: every key's live grants (kept from the push stream, so the list follows every device's changes), one
// click to revoke, the "Pre-authorise…" form, and the quiet notices of sessions that opened without asking.
import { useCallback, useEffect, useState } from 'react';
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
import type { KeyGrants } from '../types.js';
import { GrantList } from './GrantList.js';
import { PreAuthoriseForm } from './PreAuthoriseForm.js';

export function GrantsView({ route }: { route: Route }) {
  const selection = useSelectedAccount(route);
  const { account } = selection;
  const keys = useLoad(account ? () => invoke('keys:list', account.id) : null, [account?.id]);
  const [active, setActive] = useState<KeyGrants[]>([]);
  const [message, setMessage] = useState('');
  const now = useNow(30_000);
  const load = useCallback(() => {
    void invoke('grants:active').then((result) => {
      if (result.ok) setActive(result.value);
    });
  }, []);
  useEffect(load, [load]);
  useBridgeEvent('grants:changed', setActive);

  if (!account || !selection.accounts) {
    return (
      <ManageLayout view="grants" title="Grants">
        <NoAccount state={selection} />
      </ManageLayout>
    );
  }
  const mine = active.filter((k) => k.accountId === account.id);
  const nameOf = (credentialId: number) =>
    keys.value?.find((k) => k.id === credentialId)?.name ?? `key ${credentialId}`;
  // The key the view was opened at comes first, then every key with live grants.
  const shown = [...mine].sort(
    (a, b) => Number(b.credentialId === route.credentialId) - Number(a.credentialId === route.credentialId),
  );

  return (
    <ManageLayout view="grants" title="Grants">
      <div className="toolbar">
        <AccountPicker accounts={selection.accounts} selected={account} onSelect={selection.select} />
      </div>
      <p className="hint">
        A grant lets a key’s sessions open without asking you: from one program, one network or anywhere, until it
        expires or its sessions are used up. Each session it opens is still told to you.
      </p>
      <div role="status">{message ? <p className="notice notice--success">{message}</p> : null}</div>
      <ErrorNotice error={keys.error} />
      {shown.length === 0 ? <p className="muted">No active grants for this account.</p> : null}
      {shown.map((k) => (
        <GrantList
          key={k.credentialId}
          accountId={account.id}
          keyName={nameOf(k.credentialId)}
          grants={k.grants}
          now={now}
          onRevoked={setMessage}
        />
      ))}
      {keys.value ? (
        <PreAuthoriseForm
          key={account.id}
          accountId={account.id}
          keys={keys.value}
          initialKeyId={route.credentialId}
          onCreated={(grant, keyName) => {
            setMessage(
              `Pre-authorised ${keyName}: ${grant.max_uses ? `${grant.max_uses} sessions, ` : ''}until ${new Date(grant.expires_at).toLocaleString()}.`,
            );
            load();
          }}
        />
      ) : null}
    </ManageLayout>
  );
}
