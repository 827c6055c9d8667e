// Adding a permitted IP: checked with the contract's PermittedIpValue before it is sent, and a one-click
// "add my current IP" when the server has told this desktop its address.
import { type FormEvent, useId, useState } from 'react';
import { invoke } from '../bridge.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { FieldProblem } from '../components/FieldProblem.js';
import { useAction } from '../hooks/useAction.js';
import type { PermittedIp } from '../types.js';
import { ipProblem } from '../validation.js';

export function AddIpForm({
  accountId,
  credentialId,
  keyName,
  clientIp,
  existing,
  onAdded,
}: {
  accountId: string;
  credentialId: number;
  keyName: string;
  clientIp: string | null;
  existing: PermittedIp[];
  onAdded: (ip: PermittedIp) => void;
}) {
  const [value, setValue] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const add = useAction((ip: string) => invoke('ips:add', accountId, credentialId, ip));
  const inputId = useId();
  const hintId = useId();
  const problemId = useId();
  const currentIpListed = clientIp !== null && existing.some((ip) => ip.ip === clientIp && ip.status === 'ACTIVE');

  const send = async (ip: string) => {
    const reason = ipProblem(ip);
    if (reason) {
      setProblem(`“${ip}” ${reason}.`);
      return;
    }
    setProblem(null);
    const result = await add.run(ip);
    if (result?.ok) {
      setValue('');
      onAdded(result.value);
    }
  };

  const submit = (event: FormEvent) => {
    event.preventDefault();
    void send(value.trim());
  };

  return (
    <form className="panel form" onSubmit={submit} aria-labelledby={`${inputId}-heading`} noValidate>
      <h2 id={`${inputId}-heading`}>Add a permitted IP</h2>
      <div className="field">
        <label htmlFor={inputId}>IP address for {keyName}</label>
        <div className="input-row">
          <input
            id={inputId}
            className="mono"
            value={value}
            autoComplete="off"
            spellCheck={false}
            placeholder="203.0.113.7"
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? `${hintId} ${problemId}` : hintId}
            onChange={(event) => setValue(event.target.value)}
          />
          <button type="submit" className="button button--primary" disabled={add.busy}>
            Add IP
          </button>
        </div>
        <p id={hintId} className="hint">
          One IPv4 or IPv6 address, or “*” for any address. It is added as ACTIVE.
        </p>
      </div>
      <FieldProblem id={problemId} problem={problem} />
      {clientIp ? (
        <p>
          <button
            type="button"
            className="button button--small"
            disabled={add.busy || currentIpListed}
            onClick={() => void send(clientIp)}
          >
            Add my current IP ({clientIp})
          </button>{' '}
          {currentIpListed ? <span className="muted">Already permitted.</span> : null}
        </p>
      ) : (
        <p className="hint">Your current IP shows here once this desktop is connected to the server.</p>
      )}
      <ErrorNotice error={add.error} onDismiss={add.clearError} />
    </form>
  );
}
