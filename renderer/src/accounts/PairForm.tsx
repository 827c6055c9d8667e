// Pairing this desktop with an account: paste the countersign://pair link, or type the server and the code.
import { type FormEvent, useId, useState } from 'react';
import { invoke } from '../bridge.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { FieldProblem } from '../components/FieldProblem.js';
import { useAction } from '../hooks/useAction.js';
import type { Account } from '../types.js';

type Way = 'link' | 'code';
type PairInput = { link?: string; server?: string; code?: string; deviceName?: string };

export function PairForm({ onPaired }: { onPaired: (account: Account) => void }) {
  const [way, setWay] = useState<Way>('link');
  const [link, setLink] = useState('');
  const [server, setServer] = useState('');
  const [code, setCode] = useState('');
  const [deviceName, setDeviceName] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const pair = useAction((input: PairInput) => invoke('accounts:pair', input));
  const ids = { way: useId(), link: useId(), server: useId(), code: useId(), device: useId(), problem: useId() };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const input: PairInput = way === 'link' ? { link: link.trim() } : { server: server.trim(), code: code.trim() };
    if (way === 'link' && !input.link) return setProblem('Paste the pairing link (countersign://pair?…).');
    if (way === 'code' && (!input.server || !input.code))
      return setProblem('Enter both the server address and the code.');
    if (deviceName.trim()) input.deviceName = deviceName.trim();
    setProblem(null);
    const result = await pair.run(input);
    if (result?.ok) {
      setLink('');
      setCode('');
      onPaired(result.value);
    }
  };

  return (
    <form className="panel form" onSubmit={submit} aria-labelledby={`${ids.way}-heading`} noValidate>
      <h2 id={`${ids.way}-heading`}>Pair with an account</h2>
      <fieldset className="segmented">
        <legend>How did you get the pairing code?</legend>
        <label className="segmented__option">
          <input type="radio" name={ids.way} checked={way === 'link'} onChange={() => setWay('link')} />
          <span>A link</span>
        </label>
        <label className="segmented__option">
          <input type="radio" name={ids.way} checked={way === 'code'} onChange={() => setWay('code')} />
          <span>A server and a code</span>
        </label>
      </fieldset>
      {way === 'link' ? (
        <div className="field">
          <label htmlFor={ids.link}>Pairing link</label>
          <input
            id={ids.link}
            className="mono"
            value={link}
            autoComplete="off"
            spellCheck={false}
            placeholder="countersign://pair?server=…&code=…"
            onChange={(event) => setLink(event.target.value)}
          />
        </div>
      ) : (
        <>
          <div className="field">
            <label htmlFor={ids.server}>Server address</label>
            <input
              id={ids.server}
              className="mono"
              type="url"
              value={server}
              autoComplete="off"
              spellCheck={false}
              placeholder="https://countersign.example.com"
              onChange={(event) => setServer(event.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={ids.code}>Pairing code</label>
            <input
              id={ids.code}
              className="mono"
              value={code}
              autoComplete="off"
              spellCheck={false}
              onChange={(event) => setCode(event.target.value)}
            />
          </div>
        </>
      )}
      <div className="field">
        <label htmlFor={ids.device}>Name of this desktop (optional)</label>
        <input
          id={ids.device}
          value={deviceName}
          maxLength={100}
          autoComplete="off"
          placeholder="Defaults to the computer's name"
          onChange={(event) => setDeviceName(event.target.value)}
        />
      </div>
      <FieldProblem id={ids.problem} problem={problem} />
      <ErrorNotice error={pair.error} onDismiss={pair.clearError} />
      <div className="actions">
        <button type="submit" className="button button--primary" disabled={pair.busy}>
          {pair.busy ? 'Pairing…' : 'Pair'}
        </button>
      </div>
    </form>
  );
}
