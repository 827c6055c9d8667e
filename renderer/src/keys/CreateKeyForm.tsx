// Creating a key: name, mode, number matching and (optionally) its first permitted IPs, checked with the
// contract's CredentialCreate before anything is sent.
import { type FormEvent, useId, useState } from 'react';
import { invoke } from '../bridge.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { FieldProblem } from '../components/FieldProblem.js';
import { MODE_HINTS, MODE_LABELS } from '../format.js';
import { useAction } from '../hooks/useAction.js';
import type { Credential, KeyCreate, KeyMode } from '../types.js';
import { CredentialCreate, firstProblem } from '../validation.js';

const MODES: KeyMode[] = ['push', 'push-unless-trusted', 'ip-only'];

export function CreateKeyForm({ accountId, onCreated }: { accountId: string; onCreated: (key: Credential) => void }) {
  const [name, setName] = useState('');
  const [mode, setMode] = useState<KeyMode>('push');
  const [numberMatching, setNumberMatching] = useState(true);
  const [codeFallback, setCodeFallback] = useState(false);
  const [ips, setIps] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const create = useAction((input: KeyCreate) => invoke('keys:create', accountId, input));
  const ids = {
    name: useId(),
    mode: useId(),
    modeHint: useId(),
    nm: useId(),
    nmHint: useId(),
    code: useId(),
    codeHint: useId(),
    ips: useId(),
    ipsHint: useId(),
    problem: useId(),
  };
  const asks = mode !== 'ip-only';

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const ipList = ips.split(/[\s,]+/).filter(Boolean);
    const parsed = CredentialCreate.safeParse({
      name: name.trim(),
      mode,
      number_matching: asks && numberMatching,
      allow_code_fallback: codeFallback,
      ...(ipList.length ? { ips: ipList } : {}),
    });
    if (!parsed.success) {
      setProblem(firstProblem(parsed.error));
      return;
    }
    setProblem(null);
    const result = await create.run(parsed.data);
    if (result?.ok) {
      setName('');
      setIps('');
      onCreated(result.value);
    }
  };

  return (
    <form className="panel form" onSubmit={submit} aria-labelledby={`${ids.name}-heading`} noValidate>
      <h2 id={`${ids.name}-heading`}>Create a key</h2>
      <div className="field">
        <label htmlFor={ids.name}>Name</label>
        <input
          id={ids.name}
          value={name}
          maxLength={100}
          required
          autoComplete="off"
          placeholder="e.g. nightly export"
          aria-invalid={problem?.startsWith('name') || undefined}
          aria-describedby={problem ? ids.problem : undefined}
          onChange={(event) => setName(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={ids.mode}>Mode</label>
        <select
          id={ids.mode}
          value={mode}
          aria-describedby={ids.modeHint}
          onChange={(event) => setMode(event.target.value as KeyMode)}
        >
          {MODES.map((m) => (
            <option key={m} value={m}>
              {MODE_LABELS[m]}
            </option>
          ))}
        </select>
        <p id={ids.modeHint} className="hint">
          {MODE_HINTS[mode]}
        </p>
      </div>
      <div className="check">
        <input
          id={ids.nm}
          type="checkbox"
          checked={asks && numberMatching}
          disabled={!asks}
          aria-describedby={ids.nmHint}
          onChange={(event) => setNumberMatching(event.target.checked)}
        />
        <label htmlFor={ids.nm}>Number matching</label>
        <p id={ids.nmHint} className="hint">
          {asks
            ? 'The program shows two digits and you pick the same on this desktop before approving.'
            : 'Only for keys that ask for approval.'}
        </p>
      </div>
      <div className="check">
        <input
          id={ids.code}
          type="checkbox"
          checked={codeFallback}
          aria-describedby={ids.codeHint}
          onChange={(event) => setCodeFallback(event.target.checked)}
        />
        <label htmlFor={ids.code}>Accept the offline code</label>
        <p id={ids.codeHint} className="hint">
          When this desktop cannot be reached, the program may give the code shown under Accounts (countersign-session
          --totp) instead of waiting for your approval.
        </p>
      </div>
      <div className="field">
        <label htmlFor={ids.ips}>Permitted IPs (optional)</label>
        <input
          id={ids.ips}
          className="mono"
          value={ips}
          autoComplete="off"
          placeholder="203.0.113.7, 2001:db8::1"
          aria-invalid={problem?.startsWith('ips') || undefined}
          aria-describedby={problem ? `${ids.ipsHint} ${ids.problem}` : ids.ipsHint}
          onChange={(event) => setIps(event.target.value)}
        />
        <p id={ids.ipsHint} className="hint">
          Separated by commas or spaces. “*” permits any address.
        </p>
      </div>
      <FieldProblem id={ids.problem} problem={problem} />
      <ErrorNotice error={create.error} onDismiss={create.clearError} />
      <div className="actions">
        <button type="submit" className="button button--primary" disabled={create.busy}>
          {create.busy ? 'Creating…' : 'Create key'}
        </button>
      </div>
    </form>
  );
}
