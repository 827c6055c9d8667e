// The paired accounts, kept current by `accounts:changed` (connection state changes, pairing, removal).
import { useCallback, useEffect, useState } from 'react';
import { invoke } from '../bridge.js';
import type { Account, BridgeError } from '../types.js';
import { useBridgeEvent } from './useBridgeEvent.js';

export interface AccountsState {
  /** null until the first answer. */
  accounts: Account[] | null;
  error: BridgeError | null;
  reload: () => void;
}

export function useAccounts(): AccountsState {
  const [accounts, setAccounts] = useState<Account[] | null>(null);
  const [error, setError] = useState<BridgeError | null>(null);

  const reload = useCallback(() => {
    void invoke('accounts:list').then((result) => {
      if (result.ok) {
        setAccounts(result.value);
        setError(null);
      } else {
        setError(result.error);
      }
    });
  }, []);

  useEffect(reload, [reload]);
  useBridgeEvent('accounts:changed', (next) => {
    setAccounts(next);
    setError(null);
  });
  return { accounts, error, reload };
}
