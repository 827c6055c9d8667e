// The live grants of one key: what each covers, when it expires, the sessions it may still open, when it was last
// used, and Revoke — confirmed, optionally ending the sessions it opened.
import { useId, useState } from 'react';
import { invoke } from '../bridge.js';
import { ConfirmDialog } from '../components/ConfirmDialog.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { formatAgo, formatDateTime, plural } from '../format.js';
import { useAction } from '../hooks/useAction.js';
import type { Grant } from '../types.js';
import { coverage, expiresIn, usesLeft } from './words.js';

export function GrantList({
  accountId,
  keyName,
  grants,
  now,
  onRevoked,
}: {
  accountId: string;
  keyName: string;
  grants: Grant[];
  now: number;
  onRevoked: (message: string) => void;
}) {
  const headingId = useId();
  return (
    <section className="panel" aria-labelledby={headingId}>
      <h2 id={headingId}>
        {keyName} <span className="muted">— {plural(grants.length, 'active grant')}</span>
      </h2>
      {grants.length === 0 ? (
        <p className="muted">No active grants: every session of this key asks you.</p>
      ) : (
        <ul className="grant-list">
          {grants.map((grant) => (
            <GrantItem key={grant.id} accountId={accountId} grant={grant} now={now} onRevoked={onRevoked} />
          ))}
        </ul>
      )}
    </section>
  );
}

function GrantItem({
  accountId,
  grant,
  now,
  onRevoked,
}: {
  accountId: string;
  grant: Grant;
  now: number;
  onRevoked: (message: string) => void;
}) {
  const [confirming, setConfirming] = useState(false);
  const [endSessions, setEndSessions] = useState(false);
  const endId = useId();
  const labelId = useId();
  const revoke = useAction((end: boolean) =>
    invoke('grants:revoke', accountId, grant.credential_id, grant.id, { endSessions: end }),
  );
  const what = coverage(grant);
  return (
    <li className="grant" aria-labelledby={labelId}>
      <p id={labelId} className="grant__what">
        {what}
      </p>
      <dl className="key__meta">
        <div>
          <dt>Expires</dt>
          <dd>
            <time dateTime={grant.expires_at} title={formatDateTime(grant.expires_at)}>
              {expiresIn(grant, now)}
            </time>
          </dd>
        </div>
        <div>
          <dt>Sessions left</dt>
          <dd>{usesLeft(grant)}</dd>
        </div>
        <div>
          <dt>Last used</dt>
          <dd>
            <time dateTime={grant.last_used ?? undefined} title={formatDateTime(grant.last_used)}>
              {formatAgo(grant.last_used, now)}
            </time>
          </dd>
        </div>
        <div>
          <dt>Made</dt>
          <dd>{grant.request_uuid ? 'with an approval' : 'pre-authorised'}</dd>
        </div>
      </dl>
      <div className="actions">
        <button
          type="button"
          className="button button--small button--danger-outline"
          onClick={() => setConfirming(true)}
          disabled={revoke.busy}
        >
          {revoke.busy ? 'Revoking…' : 'Revoke'}
          <span className="visually-hidden"> the grant for {what}</span>
        </button>
      </div>
      <ErrorNotice error={revoke.error} />
      {confirming ? (
        <ConfirmDialog
          title="Revoke this grant?"
          confirmLabel="Revoke"
          onCancel={() => setConfirming(false)}
          onConfirm={async () => {
            setConfirming(false);
            const result = await revoke.run(endSessions);
            if (result?.ok)
              onRevoked(
                `The grant for ${what} was revoked${
                  endSessions ? `; ${plural(result.value.sessionsEnded, 'session')} ended` : ''
                }. The next session asks you again.`,
              );
          }}
        >
          <p>{what}: sessions no longer open without asking, from the next attempt on, on every server instance.</p>
          <div className="check">
            <input
              id={endId}
              type="checkbox"
              checked={endSessions}
              onChange={(event) => setEndSessions(event.target.checked)}
            />
            <label htmlFor={endId}>Also end the sessions it opened</label>
          </div>
        </ConfirmDialog>
      ) : null}
    </li>
  );
}
