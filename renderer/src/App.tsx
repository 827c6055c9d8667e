// One bundle, one view per window: the URL hash says which.
import { useEffect } from 'react';
import { AccountsView } from './accounts/AccountsView.js';
import { sayReady } from './bridge.js';
import { ApprovalView } from './approval/ApprovalView.js';
import { DevicesView } from './devices/DevicesView.js';
import { GrantsView } from './grants/GrantsView.js';
import { HistoryView } from './history/HistoryView.js';
import { useRoute } from './hooks/useRoute.js';
import { IpsView } from './ips/IpsView.js';
import { KeysView } from './keys/KeysView.js';
import type { View } from './types.js';

const TITLES: Record<View, string> = {
  approval: 'Approve or block — Countersign',
  keys: 'Keys — Countersign',
  ips: 'IP addresses — Countersign',
  history: 'History — Countersign',
  accounts: 'Accounts — Countersign',
  devices: 'Devices — Countersign',
  grants: 'Grants — Countersign',
};

export function App() {
  const route = useRoute();
  // Last of the first render's effects: every view's event listeners are subscribed by now.
  useEffect(() => sayReady(), []);
  useEffect(() => {
    document.title = TITLES[route.view];
    // The approval screen has its own colour scheme; the root class lets the page background follow it.
    document.documentElement.dataset.view = route.view;
  }, [route.view]);

  switch (route.view) {
    case 'approval':
      return <ApprovalView route={route} />;
    case 'keys':
      return <KeysView route={route} />;
    case 'ips':
      return <IpsView route={route} />;
    case 'history':
      return <HistoryView route={route} />;
    case 'accounts':
      return <AccountsView />;
    case 'devices':
      return <DevicesView route={route} />;
    case 'grants':
      return <GrantsView route={route} />;
  }
}
