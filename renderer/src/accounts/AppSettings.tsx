// App settings shown under the accounts: start at login, and which version runs where.
import { useId, useState } from 'react';
import { invoke } from '../bridge.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { useAction } from '../hooks/useAction.js';
import { useLoad } from '../hooks/useLoad.js';

export function AppSettings() {
  const settings = useLoad(() => invoke('app:settings'), []);
  const change = useAction((enabled: boolean) => invoke('app:set-start-at-login', enabled));
  const checkboxId = useId();
  // The box follows the click at once; it falls back to the stored setting if the change fails.
  const [sent, setSent] = useState<boolean | null>(null);
  return (
    <section className="panel" aria-labelledby={`${checkboxId}-heading`}>
      <h2 id={`${checkboxId}-heading`}>This app</h2>
      <ErrorNotice error={settings.error} />
      {settings.value ? (
        <>
          <div className="check">
            <input
              id={checkboxId}
              type="checkbox"
              checked={sent ?? settings.value.startAtLogin}
              disabled={change.busy}
              onChange={async (event) => {
                setSent(event.target.checked);
                const result = await change.run(event.target.checked);
                if (result?.ok) settings.set(() => result.value);
                setSent(null);
              }}
            />
            <label htmlFor={checkboxId}>Start Countersign when I log in</label>
          </div>
          <p className="hint">
            Countersign {settings.value.version} on {settings.value.platform}
          </p>
        </>
      ) : null}
      <ErrorNotice error={change.error} onDismiss={change.clearError} />
    </section>
  );
}
