// Number matching: the program shows two digits; the owner picks the same among three. Approve stays unavailable
// until a number is picked, so approving someone else's request by reflex takes a deliberate wrong choice.
import { useId } from 'react';

export function NumberMatch({
  choices,
  picked,
  onPick,
  disabled,
  hintId,
}: {
  choices: string[];
  picked: string | null;
  onPick: (code: string) => void;
  disabled: boolean;
  /** The hint's id, so the Approve button can point to it while it waits for a pick. */
  hintId: string;
}) {
  const name = useId();
  return (
    <fieldset className="number-match" aria-describedby={hintId} disabled={disabled}>
      <legend>Which number does the program show?</legend>
      <p id={hintId} className="hint">
        Approve becomes possible once you pick it. If none matches, block the request.
      </p>
      <div className="number-match__choices">
        {choices.map((code) => (
          <label key={code} className={`number-tile${picked === code ? ' number-tile--picked' : ''}`}>
            <input
              type="radio"
              name={name}
              value={code}
              checked={picked === code}
              onChange={() => onPick(code)}
              className="number-tile__input"
            />
            <span className="number-tile__code">{code}</span>
          </label>
        ))}
      </div>
    </fieldset>
  );
}
