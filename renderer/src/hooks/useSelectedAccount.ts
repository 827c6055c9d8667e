// The account a management view works on: the one the route names, else the first paired one. Choosing another
// rewrites the route, so the window can be reopened on the same account.
import type { Route } from '../route.js';
import type { Account } from '../types.js';
import { type AccountsState, useAccounts } from './useAccounts.js';
import { navigate } from './useRoute.js';

export interface SelectedAccount extends AccountsState {
  account: Account | null;
  select: (accountId: string) => void;
}

export function useSelectedAccount(route: Route): SelectedAccount {
  const state = useAccounts();
  const account = state.accounts?.find((candidate) => candidate.id === route.accountId) ?? state.accounts?.[0] ?? null;
  const select = (accountId: string) => navigate({ view: route.view, accountId });
  return { ...state, account, select };
}
