// One request, everything the owner needs to judge it, and the three answers. There is no default button: Enter
// never approves (not even on the focused Approve button — Space or a click does), and focus starts on the code
// field when the key asks for a code, else on the heading.
import { type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { invoke } from '../bridge.js';
import { accountLabel } from '../components/AccountPicker.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { formatAgo, formatTime, MODE_LABELS } from '../format.js';
import { useAction } from '../hooks/useAction.js';
import { useLoad } from '../hooks/useLoad.js';
import { useNow } from '../hooks/useNow.js';
import type { Account, DecideOutcome, PendingApproval } from '../types.js';
import { CodeEntry } from './CodeEntry.js';
import { Countdown } from './Countdown.js';
import type { DecisionTaken } from './messages.js';
import { ClaimedByProgram, SeenByServer, WhatChanged } from './RequestContext.js';
import { DEFAULT_SCOPE, ScopeChoice, type ScopeState, scopeOf } from './ScopeChoice.js';

function refuseEnter(event: KeyboardEvent<HTMLButtonElement>) {
  if (event.key === 'Enter') event.preventDefault();
}

export function ApprovalCard({
  approval,
  account,
  onDecided,
}: {
  approval: PendingApproval;
  /** Given when this desktop has several accounts, to say which one the request is for. */
  account: Account | undefined;
  onDecided: (outcome: DecideOutcome, taken: DecisionTaken) => void;
}) {
  const { request, accountId } = approval;
  const [code, setCode] = useState('');
  // User presence: while an app PIN is set, Approve asks for it (checked in the core; Block never asks).
  const pinStatus = useLoad(() => invoke('pin:status'), []);
  const pinNeeded = pinStatus.value?.set === true;
  const [pin, setPin] = useState('');
  const pinId = useId();
  const [scope, setScope] = useState<ScopeState>(DEFAULT_SCOPE);
  const heading = useRef<HTMLHeadingElement>(null);
  const codeHintId = useId();
  const now = useNow(15_000);
  const decide = useAction((taken: DecisionTaken) =>
    invoke('approvals:decide', accountId, request.uuid, {
      decision: taken.decision,
      ...(codeLength > 0 && taken.decision === 'APPROVE' ? { bindingCode: code } : {}),
      ...(taken.scope ? { scope: taken.scope } : {}),
      ...(pinNeeded && taken.decision === 'APPROVE' ? { pin } : {}),
      ...(taken.deactivateCredential ? { deactivateCredential: true } : {}),
    }),
  );

  const codeLength = request.code_length ?? 0;
  const needsCode = codeLength > 0;
  const canApprove = (!needsCode || code.length === codeLength) && (!pinNeeded || pin.length >= 4);
  // With a code to type, the code field takes focus (CodeEntry); otherwise the heading does.
  useEffect(() => {
    if (!needsCode) heading.current?.focus();
  }, [needsCode]);

  const answer = async (taken: Omit<DecisionTaken, 'ip'>) => {
    const full = { ...taken, ip: request.ip };
    const result = await decide.run(full);
    if (result?.ok) onDecided(result.value, full);
    else if (result?.ok === false && result.error.code.startsWith('PIN_')) setPin('');
  };

  return (
    <article className="approval-card" aria-labelledby="approval-title" aria-busy={decide.busy}>
      <h2 id="approval-title" ref={heading} tabIndex={-1} className="approval-card__title">
        A program wants a session with <strong>{request.credential.name}</strong>
      </h2>

      <WhatChanged request={request} />
      <SeenByServer request={request} now={now} />
      <ClaimedByProgram request={request} />

      <dl className="facts">
        <div className="facts__row">
          <dt>Key</dt>
          <dd>
            {request.credential.name} <span className="muted">· {MODE_LABELS[request.credential.mode]}</span>
          </dd>
        </div>
        <div className="facts__row">
          <dt>Requested</dt>
          <dd>
            <time dateTime={request.created}>{formatTime(request.created)}</time>{' '}
            <span className="muted">({formatAgo(request.created, now)})</span>
          </dd>
        </div>
        {account ? (
          <div className="facts__row">
            <dt>Account</dt>
            <dd>{accountLabel(account)}</dd>
          </div>
        ) : null}
      </dl>

      <Countdown created={request.created} expiryTime={request.expiry_time} expiresAt={approval.expiresAt} />

      {needsCode ? (
        <CodeEntry length={codeLength} value={code} onChange={setCode} disabled={decide.busy} hintId={codeHintId} />
      ) : null}

      <ScopeChoice
        value={scope}
        onChange={setScope}
        ip={request.ip}
        ipKnown={request.ip_known}
        installationName={request.installation?.name ?? null}
        disabled={decide.busy}
      />

      {pinNeeded ? (
        <div className="field approval-pin">
          <label htmlFor={pinId}>App PIN</label>
          <input
            id={pinId}
            type="password"
            autoComplete="current-password"
            minLength={4}
            maxLength={64}
            value={pin}
            disabled={decide.busy}
            aria-describedby={`${pinId}-hint`}
            onChange={(event) => setPin(event.target.value)}
          />
          <p id={`${pinId}-hint`} className="hint">
            Approve asks for this desktop's app PIN. Block does not.
          </p>
        </div>
      ) : null}

      <ErrorNotice error={decide.error} onDismiss={decide.clearError} />

      <div className="decision-buttons">
        <button
          type="button"
          className="button button--approve"
          disabled={!canApprove || decide.busy}
          aria-describedby={needsCode && !canApprove ? codeHintId : undefined}
          onKeyDown={refuseEnter}
          onClick={() => {
            const covers = scopeOf(scope);
            void answer({ decision: 'APPROVE', deactivateCredential: false, ...(covers ? { scope: covers } : {}) });
          }}
        >
          Approve
        </button>
        <button
          type="button"
          className="button button--block"
          disabled={decide.busy}
          onClick={() => answer({ decision: 'BLOCK', deactivateCredential: false })}
        >
          Block
        </button>
        <button
          type="button"
          className="button button--danger"
          disabled={decide.busy}
          onClick={() => answer({ decision: 'BLOCK', deactivateCredential: true })}
        >
          Block and deactivate key
        </button>
        {decide.busy ? <p className="hint decision-buttons__busy">Sending your answer…</p> : null}
      </div>
    </article>
  );
}
