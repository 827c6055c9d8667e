// The app PIN: asked before every Approve while it is set (Block never asks), so that a program on this desktop
// cannot approve by driving the window. Setting, changing and removing it; changing or removing needs the current.
import { type FormEvent, useId, useState } from 'react';
import { invoke } from '../bridge.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { useAction } from '../hooks/useAction.js';
import { useLoad } from '../hooks/useLoad.js';

export function PinSettings() {
  const status = useLoad(() => invoke('pin:status'), []);
  const [current, setCurrent] = useState('');
  const [pin, setPin] = useState('');
  const [done, setDone] = useState<string | null>(null);
  const id = useId();
  const save = useAction((next: string, currentPin: string | undefined) =>
    invoke('pin:set', { pin: next, ...(currentPin ? { currentPin } : {}) }),
  );
  const remove = useAction((currentPin: string) => invoke('pin:remove', currentPin));
  const isSet = status.value?.set === true;

  const finish = (text: string, value: NonNullable<typeof status.value>) => {
    status.set(() => value);
    setCurrent('');
    setPin('');
    setDone(text);
  };
  const onSubmit = async (event: FormEvent) => {
    event.preventDefault();
    setDone(null);
    const result = await save.run(pin, isSet ? current : undefined);
    if (result?.ok) finish(isSet ? 'PIN changed.' : 'PIN set: Approve now asks for it.', result.value);
  };

  return (
    <section className="panel" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>App PIN</h2>
      <p className="hint">
        {isSet
          ? 'Approve asks for this PIN. Block never does.'
          : 'Off. With a PIN, Approve asks for it first, so a program on this desktop cannot approve for you.'}
      </p>
      <ErrorNotice error={status.error} />
      {status.value ? (
        <form className="form" aria-label={isSet ? 'Change the app PIN' : 'Set an app PIN'} onSubmit={onSubmit}>
          {isSet ? (
            <div className="field">
              <label htmlFor={`${id}-current`}>Current PIN</label>
              <input
                id={`${id}-current`}
                type="password"
                autoComplete="current-password"
                minLength={4}
                maxLength={64}
                value={current}
                onChange={(event) => setCurrent(event.target.value)}
              />
            </div>
          ) : null}
          <div className="field">
            <label htmlFor={`${id}-new`}>{isSet ? 'New PIN' : 'PIN'}</label>
            <input
              id={`${id}-new`}
              type="password"
              autoComplete="new-password"
              minLength={4}
              maxLength={64}
              aria-describedby={`${id}-rule`}
              value={pin}
              onChange={(event) => setPin(event.target.value)}
            />
            <p id={`${id}-rule`} className="hint">
              4 to 64 characters. After 5 wrong tries it locks for a while.
            </p>
          </div>
          <div className="form__actions">
            <button type="submit" className="button" disabled={save.busy || pin.length < 4}>
              {isSet ? 'Change PIN' : 'Set PIN'}
            </button>
            {isSet ? (
              <button
                type="button"
                className="button button--danger"
                disabled={remove.busy || current.length < 4}
                onClick={async () => {
                  setDone(null);
                  const result = await remove.run(current);
                  if (result?.ok) finish('PIN removed: Approve no longer asks for it.', result.value);
                }}
              >
                Remove PIN
              </button>
            ) : null}
          </div>
        </form>
      ) : null}
      <ErrorNotice error={save.error ?? remove.error} onDismiss={save.error ? save.clearError : remove.clearError} />
      <p role="status" className="hint">
        {done}
      </p>
    </section>
  );
}
