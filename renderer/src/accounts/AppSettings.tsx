// App settings shown under the accounts: start at login, and which version runs where.
import { useId } from 'react';
import { invoke } from '../bridge.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { useAction } from '../hooks/useAction.js';
import { useLoad } from '../hooks/useLoad.js';

export function AppSettings() {
  const settings = useLoad(() => invoke('app:settings'), []);
  const change = useAction((enabled: boolean) => invoke('app:set-start-at-login', enabled));
  const checkboxId = useId();
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
              checked={settings.value.startAtLogin}
              disabled={change.busy}
              onChange={async (event) => {
                const result = await change.run(event.target.checked);
                if (result?.ok) settings.set(() => result.value);
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
