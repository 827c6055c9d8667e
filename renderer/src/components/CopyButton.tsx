// Copies a value to the clipboard and says whether it worked (aria-live), offering the manual way when the
// clipboard is refused.
import { useState } from 'react';

export function CopyButton({ value, label }: { value: string; label: string }) {
  const [state, setState] = useState<'idle' | 'copied' | 'failed'>('idle');
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(value);
      setState('copied');
    } catch {
      setState('failed');
    }
  };
  return (
    <span className="copy">
      <button type="button" className="button button--small" onClick={copy} aria-label={label}>
        Copy
      </button>
      <span className="copy__status" aria-live="polite">
        {state === 'copied'
          ? 'Copied'
          : state === 'failed'
            ? 'Could not copy: select the text and copy it yourself'
            : ''}
      </span>
    </span>
  );
}
