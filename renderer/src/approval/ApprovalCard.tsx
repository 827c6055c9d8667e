// One request, everything the owner needs to judge it, and the three answers. There is no default button: Enter
// never approves (not even on the focused Approve button — Space or a click does), and focus starts on the heading.
import { type KeyboardEvent, useEffect, useId, useRef, useState } from 'react';
import { invoke } from '../bridge.js';
import { accountLabel } from '../components/AccountPicker.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { formatAgo, formatLocation, formatTime, MODE_LABELS } from '../format.js';
import { useAction } from '../hooks/useAction.js';
import { useNow } from '../hooks/useNow.js';
import type { Account, DecideOutcome, PendingApproval } from '../types.js';
import { Countdown } from './Countdown.js';
import type { DecisionTaken } from './messages.js';
import { NumberMatch } from './NumberMatch.js';

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
  const [picked, setPicked] = useState<string | null>(null);
  const [trustIp, setTrustIp] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const numberHintId = useId();
  const trustHintId = useId();
  const now = useNow(15_000);
  const decide = useAction((taken: DecisionTaken) =>
    invoke('approvals:decide', accountId, request.uuid, {
      decision: taken.decision,
      ...(picked && taken.decision === 'APPROVE' ? { bindingCode: picked } : {}),
      ...(taken.trustIp ? { trustIp: true } : {}),
      ...(taken.deactivateCredential ? { deactivateCredential: true } : {}),
    }),
  );

  useEffect(() => heading.current?.focus(), []);

  const needsCode = request.binding_choices !== null;
  const canApprove = !needsCode || picked !== null;

  const answer = async (taken: Omit<DecisionTaken, 'ip'>) => {
    const full = { ...taken, ip: request.ip };
    const result = await decide.run(full);
    if (result?.ok) onDecided(result.value, full);
  };

  return (
    <article className="approval-card" aria-labelledby="approval-title" aria-busy={decide.busy}>
      <h2 id="approval-title" ref={heading} tabIndex={-1} className="approval-card__title">
        {request.description ? (
          <>
            <span className="approval-card__quote">“{request.description}”</span> wants a session with{' '}
            <strong>{request.credential.name}</strong>
          </>
        ) : (
          <>
            A program wants a session with <strong>{request.credential.name}</strong>
          </>
        )}
      </h2>

      <dl className="facts">
        <div className="facts__row">
          <dt>Key</dt>
          <dd>
            {request.credential.name} <span className="muted">· {MODE_LABELS[request.credential.mode]}</span>
          </dd>
        </div>
        <div className="facts__row">
          <dt>IP address</dt>
          <dd>
            <span className="mono">{request.ip}</span>{' '}
            {request.ip_known ? (
              <span className="badge badge--active">Known IP for this key</span>
            ) : (
              <span className="badge badge--new-ip">New IP for this key</span>
            )}
          </dd>
        </div>
        <div className="facts__row">
          <dt>Location</dt>
          <dd>{formatLocation(request.geolocation)}</dd>
        </div>
        <div className="facts__row">
          <dt>User agent</dt>
          <dd className="facts__wrap">{request.user_agent ?? <span className="muted">Not given</span>}</dd>
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

      {request.binding_choices ? (
        <NumberMatch
          choices={request.binding_choices}
          picked={picked}
          onPick={setPicked}
          disabled={decide.busy}
          hintId={numberHintId}
        />
      ) : null}

      {request.ip_known ? null : (
        <div className="check">
          <input
            id="trust-ip"
            type="checkbox"
            checked={trustIp}
            disabled={decide.busy}
            onChange={(event) => setTrustIp(event.target.checked)}
            aria-describedby={trustHintId}
          />
          <label htmlFor="trust-ip">Trust this IP for this key</label>
          <p id={trustHintId} className="hint">
            {request.credential.mode === 'push-unless-trusted'
              ? `On approval, ${request.ip} becomes a permitted IP: later sessions from it open without asking.`
              : `On approval, ${request.ip} is added to this key's permitted IPs.`}
          </p>
        </div>
      )}

      <ErrorNotice error={decide.error} onDismiss={decide.clearError} />

      <div className="decision-buttons">
        <button
          type="button"
          className="button button--approve"
          disabled={!canApprove || decide.busy}
          aria-describedby={needsCode && !canApprove ? numberHintId : undefined}
          onKeyDown={refuseEnter}
          onClick={() => answer({ decision: 'APPROVE', trustIp, deactivateCredential: false })}
        >
          Approve
        </button>
        <button
          type="button"
          className="button button--block"
          disabled={decide.busy}
          onClick={() => answer({ decision: 'BLOCK', trustIp: false, deactivateCredential: false })}
        >
          Block
        </button>
        <button
          type="button"
          className="button button--danger"
          disabled={decide.busy}
          onClick={() => answer({ decision: 'BLOCK', trustIp: false, deactivateCredential: true })}
        >
          Block and deactivate key
        </button>
        {decide.busy ? <p className="hint decision-buttons__busy">Sending your answer…</p> : null}
      </div>
    </article>
  );
}
