// One key: what it is and how it was last used, and the changes an owner makes — mode, number matching,
// deactivate / reactivate (reactivating also lifts a lock) — plus the way to its permitted IPs.
import { useId, useState } from 'react';
import { invoke } from '../bridge.js';
import { ErrorNotice } from '../components/ErrorNotice.js';
import { StatusBadge } from '../components/StatusBadge.js';
import { formatAgo, formatDate, formatDateTime, MODE_LABELS, plural } from '../format.js';
import { useAction } from '../hooks/useAction.js';
import { routeHash } from '../route.js';
import type { Credential, KeyChange, KeyMode } from '../types.js';

const MODES: KeyMode[] = ['push', 'push-unless-trusted', 'ip-only'];

export function KeyItem({
  accountId,
  credential,
  now,
  onChanged,
}: {
  accountId: string;
  credential: Credential;
  now: number;
  onChanged: (key: Credential) => void;
}) {
  // The mode picked in the menu but not applied yet; null shows the key's own mode.
  const [pickedMode, setPickedMode] = useState<KeyMode | null>(null);
  const mode = pickedMode ?? credential.mode;
  // The number-matching box follows the click at once; it falls back to the key's own value if the change fails.
  const [sentNumberMatching, setSentNumberMatching] = useState<boolean | null>(null);
  const [sentCodeFallback, setSentCodeFallback] = useState<boolean | null>(null);
  const [announcement, setAnnouncement] = useState('');
  const update = useAction((change: KeyChange) => invoke('keys:update', accountId, credential.id, change));
  const modeId = useId();
  const nmId = useId();
  const codeId = useId();
  const headingId = useId();
  const off = credential.status === 'INACTIVE' || credential.status === 'LOCKED';

  const apply = async (change: KeyChange, done: string) => {
    const result = await update.run(change);
    if (result?.ok) {
      onChanged(result.value);
      setPickedMode(null);
      setAnnouncement(done);
    }
  };

  return (
    <li className={`key${off ? ' key--off' : ''}`} aria-labelledby={headingId}>
      <div className="key__head">
        <h3 id={headingId} className="key__name">
          {credential.name}
        </h3>
        <StatusBadge status={credential.status} />
      </div>
      <dl className="key__meta">
        <div>
          <dt>Mode</dt>
          <dd>{MODE_LABELS[credential.mode]}</dd>
        </div>
        <div>
          <dt>Last used</dt>
          <dd>
            <time dateTime={credential.last_used ?? undefined} title={formatDateTime(credential.last_used)}>
              {formatAgo(credential.last_used, now)}
            </time>
            {credential.permitted_device ? <span className="muted"> from {credential.permitted_device.ip}</span> : null}
          </dd>
        </div>
        <div>
          <dt>Permitted IPs</dt>
          <dd>
            <a href={routeHash({ view: 'ips', accountId, credentialId: credential.id })}>
              {plural(credential.permitted_ip_count, 'IP')}
              <span className="visually-hidden"> of {credential.name}</span> — manage
            </a>
          </dd>
        </div>
        {credential.mode !== 'ip-only' ? (
          <div>
            <dt>Grants</dt>
            <dd>
              <a href={routeHash({ view: 'grants', accountId, credentialId: credential.id })}>
                Grants and pre-authorise<span className="visually-hidden"> for {credential.name}</span>
              </a>
            </dd>
          </div>
        ) : null}
        <div>
          <dt>Created</dt>
          <dd>{formatDate(credential.created)}</dd>
        </div>
      </dl>
      {credential.status === 'LOCKED' ? (
        <p className="warning-text">
          Locked after repeated blocks: every session is refused. Reactivate it once you know why.
        </p>
      ) : null}
      <div className="key__controls">
        <div className="field field--inline">
          <label htmlFor={modeId}>
            Mode<span className="visually-hidden"> of {credential.name}</span>
          </label>
          <select id={modeId} value={mode} onChange={(event) => setPickedMode(event.target.value as KeyMode)}>
            {MODES.map((m) => (
              <option key={m} value={m}>
                {MODE_LABELS[m]}
              </option>
            ))}
          </select>
          <button
            type="button"
            className="button button--small"
            disabled={mode === credential.mode || update.busy}
            onClick={() => apply({ mode }, `Mode of ${credential.name} changed to ${MODE_LABELS[mode]}.`)}
          >
            Change mode<span className="visually-hidden"> of {credential.name}</span>
          </button>
        </div>
        <div className="check check--inline">
          <input
            id={nmId}
            type="checkbox"
            checked={sentNumberMatching ?? credential.number_matching}
            disabled={update.busy || credential.mode === 'ip-only'}
            onChange={async (event) => {
              const on = event.target.checked;
              setSentNumberMatching(on);
              await apply({ number_matching: on }, `Number matching ${on ? 'on' : 'off'} for ${credential.name}.`);
              setSentNumberMatching(null);
            }}
          />
          <label htmlFor={nmId}>
            Number matching<span className="visually-hidden"> for {credential.name}</span>
          </label>
        </div>
        <div className="check check--inline">
          <input
            id={codeId}
            type="checkbox"
            checked={sentCodeFallback ?? credential.allow_code_fallback ?? false}
            disabled={update.busy}
            onChange={async (event) => {
              const on = event.target.checked;
              setSentCodeFallback(on);
              await apply(
                { allow_code_fallback: on },
                `Offline code ${on ? 'accepted' : 'not accepted'} for ${credential.name}.`,
              );
              setSentCodeFallback(null);
            }}
          />
          <label htmlFor={codeId}>
            Accept the offline code<span className="visually-hidden"> for {credential.name}</span>
          </label>
        </div>
        {off ? (
          <button
            type="button"
            className="button button--small"
            disabled={update.busy}
            onClick={() => apply({ status: 'ACTIVE' }, `${credential.name} is active again.`)}
          >
            {credential.status === 'LOCKED' ? 'Unlock and reactivate' : 'Reactivate'}
            <span className="visually-hidden"> {credential.name}</span>
          </button>
        ) : (
          <button
            type="button"
            className="button button--small button--danger-outline"
            disabled={update.busy}
            onClick={() => apply({ status: 'INACTIVE' }, `${credential.name} is deactivated.`)}
          >
            Deactivate<span className="visually-hidden"> {credential.name}</span>
          </button>
        )}
      </div>
      <p className="visually-hidden" role="status">
        {announcement}
      </p>
      <ErrorNotice error={update.error} onDismiss={update.clearError} />
    </li>
  );
}
