// "Pre-authorise…": key X, the next N sessions and/or M minutes, from one program (installation), one network or
// anywhere — for a CI run or a batch job, without a pending request. Checked with the contract's GrantCreate
// before anything is sent; the server checks it again (e.g. the installation must be registered with the key).
import { type FormEvent, useId, useState } from 'react';
import { invoke } from '../bridge.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { FieldProblem } from '../components/FieldProblem.js';
import { useAction } from '../hooks/useAction.js';
import { useLoad } from '../hooks/useLoad.js';
import type { Credential, Grant, GrantInput } from '../types.js';
import { firstProblem, GrantCreate } from '../validation.js';
import { knownPrograms } from './known-programs.js';

/** The program select's value for "type its installation id". */
const OTHER = 'other';

type Scope = GrantInput['scope'];
const SCOPES: { value: Scope; label: string; hint: string }[] = [
  { value: 'anywhere', label: 'Anywhere', hint: 'Any caller with the key.' },
  { value: 'network', label: 'One network', hint: 'Callers from this network, e.g. 203.0.113.0/24.' },
  {
    value: 'installation',
    label: 'One program',
    hint: 'A requester installation registered with this key: one that asked for it before, or by its id.',
  },
];

export function PreAuthoriseForm({
  accountId,
  keys,
  initialKeyId,
  onCreated,
}: {
  accountId: string;
  keys: Credential[];
  initialKeyId: number | undefined;
  onCreated: (grant: Grant, keyName: string) => void;
}) {
  // ip-only keys never ask, so a grant means nothing for them (the server refuses it).
  const usable = keys.filter((key) => key.mode !== 'ip-only');
  const [keyId, setKeyId] = useState<number | undefined>(
    usable.some((k) => k.id === initialKeyId) ? initialKeyId : usable[0]?.id,
  );
  const [scope, setScope] = useState<Scope>('anywhere');
  const [network, setNetwork] = useState('');
  const [program, setProgram] = useState<string>('');
  const [installation, setInstallation] = useState('');
  // Only read once the program choice is open: the server's history of the key's requests names the programs.
  const history = useLoad(
    scope === 'installation' && keyId !== undefined
      ? () => invoke('history:server', accountId, { credentialId: keyId, count: 200 })
      : null,
    [scope, keyId, accountId],
  );
  const programs = knownPrograms(history.value ?? []);
  const chosenProgram = program || (programs[0] ? String(programs[0].id) : OTHER);
  const [minutes, setMinutes] = useState('60');
  const [sessions, setSessions] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const create = useAction((id: number, input: GrantInput) => invoke('grants:create', accountId, id, input));
  const ids = {
    heading: useId(),
    key: useId(),
    scope: useId(),
    network: useId(),
    installation: useId(),
    program: useId(),
    minutes: useId(),
    minutesHint: useId(),
    sessions: useId(),
    sessionsHint: useId(),
    problem: useId(),
  };

  if (usable.length === 0) {
    return (
      <section className="panel" aria-labelledby={ids.heading}>
        <h2 id={ids.heading}>Pre-authorise…</h2>
        <p className="muted">No key of this account asks for approval (ip-only keys need no grant).</p>
      </section>
    );
  }

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const number = (text: string) => (text.trim() === '' ? undefined : Number(text));
    const input = {
      scope,
      ...(scope === 'network' ? { network: network.trim() } : {}),
      ...(scope === 'installation'
        ? { installation_id: chosenProgram === OTHER ? (number(installation) ?? Number.NaN) : Number(chosenProgram) }
        : {}),
      ...(number(minutes) !== undefined ? { minutes: number(minutes) } : {}),
      ...(number(sessions) !== undefined ? { max_uses: number(sessions) } : {}),
    };
    const parsed = GrantCreate.safeParse(input);
    if (!parsed.success || keyId === undefined) {
      setProblem(parsed.success ? 'key: pick a key' : firstProblem(parsed.error));
      return;
    }
    setProblem(null);
    const result = await create.run(keyId, parsed.data);
    if (result?.ok) onCreated(result.value, usable.find((k) => k.id === keyId)?.name ?? '');
  };

  const invalid = (field: string) => problem?.startsWith(field) || undefined;
  return (
    <form className="panel form" onSubmit={submit} aria-labelledby={ids.heading} noValidate>
      <h2 id={ids.heading}>Pre-authorise…</h2>
      <div className="field">
        <label htmlFor={ids.key}>Key</label>
        <select id={ids.key} value={keyId} onChange={(event) => setKeyId(Number(event.target.value))}>
          {usable.map((key) => (
            <option key={key.id} value={key.id}>
              {key.name}
            </option>
          ))}
        </select>
      </div>
      <fieldset className="field">
        <legend>From</legend>
        {SCOPES.map((option) => (
          <div className="check" key={option.value}>
            <input
              id={`${ids.scope}-${option.value}`}
              type="radio"
              name={ids.scope}
              value={option.value}
              checked={scope === option.value}
              aria-describedby={`${ids.scope}-${option.value}-hint`}
              onChange={() => setScope(option.value)}
            />
            <label htmlFor={`${ids.scope}-${option.value}`}>{option.label}</label>
            <p id={`${ids.scope}-${option.value}-hint`} className="hint">
              {option.hint}
            </p>
          </div>
        ))}
      </fieldset>
      {scope === 'network' ? (
        <div className="field">
          <label htmlFor={ids.network}>Network</label>
          <input
            id={ids.network}
            className="mono"
            value={network}
            autoComplete="off"
            placeholder="203.0.113.0/24"
            aria-invalid={invalid('network')}
            aria-describedby={problem ? ids.problem : undefined}
            onChange={(event) => setNetwork(event.target.value)}
          />
        </div>
      ) : null}
      {scope === 'installation' ? (
        <div className="field">
          <label htmlFor={ids.program}>Program</label>
          <select id={ids.program} value={chosenProgram} onChange={(event) => setProgram(event.target.value)}>
            {programs.map((p) => (
              <option key={p.id} value={String(p.id)}>
                {p.name} ({p.fingerprint})
              </option>
            ))}
            <option value={OTHER}>Another, by its installation id</option>
          </select>
        </div>
      ) : null}
      {scope === 'installation' && chosenProgram === OTHER ? (
        <div className="field">
          <label htmlFor={ids.installation}>Installation id</label>
          <input
            id={ids.installation}
            inputMode="numeric"
            value={installation}
            autoComplete="off"
            aria-invalid={invalid('installation_id')}
            aria-describedby={problem ? ids.problem : undefined}
            onChange={(event) => setInstallation(event.target.value)}
          />
        </div>
      ) : null}
      <div className="field">
        <label htmlFor={ids.minutes}>For minutes</label>
        <input
          id={ids.minutes}
          inputMode="numeric"
          value={minutes}
          autoComplete="off"
          aria-invalid={invalid('minutes')}
          aria-describedby={problem ? `${ids.minutesHint} ${ids.problem}` : ids.minutesHint}
          onChange={(event) => setMinutes(event.target.value)}
        />
        <p id={ids.minutesHint} className="hint">
          1 to 10080 (7 days). Empty: 7 days, then give a number of sessions.
        </p>
      </div>
      <div className="field">
        <label htmlFor={ids.sessions}>At most this many sessions</label>
        <input
          id={ids.sessions}
          inputMode="numeric"
          value={sessions}
          autoComplete="off"
          aria-invalid={invalid('max_uses')}
          aria-describedby={problem ? `${ids.sessionsHint} ${ids.problem}` : ids.sessionsHint}
          onChange={(event) => setSessions(event.target.value)}
        />
        <p id={ids.sessionsHint} className="hint">
          Optional, 1 to 10000. Empty: no limit within the time.
        </p>
      </div>
      <FieldProblem id={ids.problem} problem={problem} />
      <ErrorNotice error={create.error} />
      <div className="actions">
        <button type="submit" className="button button--primary" disabled={create.busy}>
          {create.busy ? 'Pre-authorising…' : 'Pre-authorise'}
        </button>
      </div>
    </form>
  );
}
