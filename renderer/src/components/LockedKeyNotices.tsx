// Says so when the server locks a key after repeated blocks (three within ten minutes), in whichever window is open.
import { useState } from 'react';
import { useBridgeEvent } from '../hooks/useBridgeEvent.js';
import { routeHash } from '../route.js';
import type { EventPayloads } from '../types.js';

type Locked = EventPayloads['credential:locked'];

export function LockedKeyNotices() {
  const [locked, setLocked] = useState<Locked[]>([]);
  useBridgeEvent('credential:locked', (info) =>
    setLocked((list) => [...list.filter((l) => l.credentialId !== info.credentialId), info]),
  );
  return (
    <div aria-live="assertive">
      {locked.map((info) => (
        <div key={`${info.accountId}:${info.credentialId}`} className="notice notice--warning">
          <p className="notice__title">Key “{info.credentialName}” is locked</p>
          <p className="notice__body">
            {info.reason} It refuses every session until you reactivate it in{' '}
            <a href={routeHash({ view: 'keys', accountId: info.accountId })}>Keys</a>.
          </p>
          <button
            type="button"
            className="button button--small"
            onClick={() => setLocked((list) => list.filter((l) => l !== info))}
          >
            Dismiss
          </button>
        </div>
      ))}
    </div>
  );
}
