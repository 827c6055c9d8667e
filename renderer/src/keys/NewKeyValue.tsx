// The value of a key just created: shown this once (the server keeps only a hash), with a copy button, until the
// owner says it is stored.
import { useEffect, useId, useRef } from 'react';
import { CopyButton } from '../components/CopyButton.js';
import type { Credential } from '../types.js';

export function NewKeyValue({ credential, onDone }: { credential: Credential; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  const inputId = useId();
  const warningId = useId();
  useEffect(() => heading.current?.focus(), []);
  const value = credential.token_value ?? '';
  return (
    <section className="panel panel--highlight" aria-labelledby={`${inputId}-heading`}>
      <h2 id={`${inputId}-heading`} ref={heading} tabIndex={-1}>
        Key “{credential.name}” created
      </h2>
      <p id={warningId} className="warning-text">
        Copy its value now and keep it somewhere safe. <strong>You will not see this again</strong>: the server keeps
        only a hash of it.
      </p>
      <div className="field">
        <label htmlFor={inputId}>API key</label>
        <div className="secret-row">
          <input
            id={inputId}
            className="mono secret-row__value"
            readOnly
            value={value}
            aria-describedby={warningId}
            onFocus={(event) => event.currentTarget.select()}
          />
          <CopyButton value={value} label={`Copy the API key of ${credential.name}`} />
        </div>
      </div>
      <button type="button" className="button" onClick={onDone}>
        I have stored it
      </button>
    </section>
  );
}
