// The typed code: the program shows a code to whoever runs it, and the owner types it here. The desktop is told
// only how many digits it has, so nothing on this screen gives the answer away; Approve waits until all are typed.
import { useEffect, useRef } from 'react';

export function CodeEntry({
  length,
  value,
  onChange,
  disabled,
  hintId,
}: {
  length: number;
  value: string;
  onChange: (digits: string) => void;
  disabled: boolean;
  /** The hint's id, so the Approve button can point to it while it waits for the code. */
  hintId: string;
}) {
  const input = useRef<HTMLInputElement>(null);
  // Focus lands here, not on Approve: the first thing to do with such a request is to read the program's code.
  // Without scrolling: the top of the card (what changed, what the server saw) stays the first thing in sight.
  useEffect(() => input.current?.focus({ preventScroll: true }), []);
  return (
    <div className="code-entry">
      <label htmlFor="approval-code" className="code-entry__label">
        Code the program shows
      </label>
      <p id={hintId} className="hint">
        Type the {length}-digit code the program printed. Approve becomes possible once all {length} digits are in. A
        wrong code blocks the request. No code shown to you? Block it.
      </p>
      <input
        ref={input}
        id="approval-code"
        className="code-entry__input"
        type="text"
        inputMode="numeric"
        autoComplete="one-time-code"
        pattern={`[0-9]{${length}}`}
        maxLength={length}
        size={Math.max(length, 3)}
        required
        aria-describedby={hintId}
        value={value}
        disabled={disabled}
        // Digits only; anything else typed or pasted is dropped rather than refused later.
        onChange={(event) => onChange(event.target.value.replace(/[^0-9]/g, '').slice(0, length))}
      />
    </div>
  );
}
