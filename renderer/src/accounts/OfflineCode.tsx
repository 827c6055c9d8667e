// The account's current TOTP code (the offline fallback) with a countdown and a copy button. The core computes it
// from the secret in the keychain, so it shows even while the server is unreachable — and says so.
import { useEffect, useState } from 'react';
import { invoke } from '../bridge.js';
import { CopyButton } from '../components/CopyButton.js';
import { useNow } from '../hooks/useNow.js';
import type { BridgeError } from '../types.js';

interface Shown {
  code: string;
  /** When the code changes, on this machine's clock. */
  changesAt: number;
}

export function OfflineCode({ accountId, label }: { accountId: string; label: string }) {
  const [shown, setShown] = useState<Shown | null>(null);
  const [error, setError] = useState<BridgeError | null>(null);
  const now = useNow(1000);
  const due = shown === null || now >= shown.changesAt;

  useEffect(() => {
    if (!due) return;
    let current = true;
    void invoke('totp:current', accountId).then((result) => {
      if (!current) return;
      if (result.ok) {
        setShown({ code: result.value.code, changesAt: Date.now() + result.value.secondsLeft * 1000 });
        setError(null);
      } else {
        setError(result.error);
      }
    });
    return () => {
      current = false;
    };
  }, [accountId, due]);

  if (error && !shown) return <p className="muted">No offline code: {error.message}</p>;
  if (!shown) return <p className="muted">Reading the code…</p>;
  const secondsLeft = Math.max(0, Math.ceil((shown.changesAt - now) / 1000));
  return (
    <div className="offline-code">
      <p className="offline-code__row">
        <span className="mono offline-code__value">{shown.code}</span>
        <span className="muted">
          changes in <span className="offline-code__seconds">{secondsLeft}</span> s
        </span>
        <CopyButton value={shown.code} label={`Copy the offline code for ${label}`} />
      </p>
      <p className="muted offline-code__hint">
        Works without a connection to the server. For keys that allow code fallback, a program opens a session with it (
        <span className="mono">countersign-session --totp CODE</span>); each code works once.
      </p>
    </div>
  );
}
