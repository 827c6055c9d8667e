// What Approve covers. "This session only" is the default and nothing wider is ever preselected: trusting a
// program or a network for hours, or an IP for good, is a choice the owner makes each time, in a native radio
// group (arrow keys move, Tab leaves) with a native select for how long.
import { useId } from 'react';
import type { DecisionScope } from '../types.js';

export type ScopeKind = DecisionScope['kind'];
type Duration = '1h' | '8h' | '24h' | '7d';

export interface ScopeState {
  kind: ScopeKind;
  duration: Duration;
}

export const DEFAULT_SCOPE: ScopeState = { kind: 'session', duration: '1h' };

export const DURATION_WORDS: Record<Duration, string> = {
  '1h': '1 hour',
  '8h': '8 hours',
  '24h': '24 hours',
  '7d': '7 days',
};

const DURATIONS: Record<'installation' | 'network', Duration[]> = {
  installation: ['1h', '8h', '24h', '7d'],
  network: ['1h', '8h', '24h'],
};

/** The decision's scope; undefined for this session only (the protocol's default). */
export function scopeOf(state: ScopeState): DecisionScope | undefined {
  switch (state.kind) {
    case 'session':
      return undefined;
    case 'permit-ip':
      return { kind: 'permit-ip' };
    case 'installation':
      return { kind: 'installation', duration: state.duration };
    case 'network':
      return { kind: 'network', duration: state.duration === '7d' ? '24h' : state.duration };
  }
}

export function ScopeChoice({
  value,
  onChange,
  ip,
  ipKnown,
  installationName,
  disabled,
}: {
  value: ScopeState;
  onChange: (state: ScopeState) => void;
  ip: string;
  ipKnown: boolean;
  /** The signing installation's name; null when the request is unsigned (no installation to trust). */
  installationName: string | null;
  disabled: boolean;
}) {
  const name = useId();
  const durationId = useId();
  const options: { kind: ScopeKind; label: string }[] = [
    { kind: 'session', label: 'This session only' },
    ...(installationName
      ? [{ kind: 'installation' as const, label: `This program (${installationName}) for a while` }]
      : []),
    { kind: 'network', label: `This network (around ${ip}) for a while` },
    ...(ipKnown ? [] : [{ kind: 'permit-ip' as const, label: 'Add this IP to the permitted IPs (permanent)' }]),
  ];
  const timed = value.kind === 'installation' || value.kind === 'network' ? value.kind : null;
  const choose = (kind: ScopeKind) => {
    const duration = kind === 'network' && value.duration === '7d' ? '24h' : value.duration;
    onChange({ kind, duration });
  };
  return (
    <fieldset className="scope-choice" disabled={disabled}>
      <legend>Approve covers</legend>
      {options.map((option) => (
        <div className="check" key={option.kind}>
          <input
            id={`${name}-${option.kind}`}
            type="radio"
            name={name}
            value={option.kind}
            checked={value.kind === option.kind}
            onChange={() => choose(option.kind)}
          />
          <label htmlFor={`${name}-${option.kind}`}>{option.label}</label>
        </div>
      ))}
      {timed ? (
        <div className="scope-choice__duration">
          <label htmlFor={durationId}>For how long</label>
          <select
            id={durationId}
            value={value.duration}
            onChange={(event) => onChange({ ...value, duration: event.target.value as Duration })}
          >
            {DURATIONS[timed].map((duration) => (
              <option key={duration} value={duration}>
                {DURATION_WORDS[duration]}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      <p className="hint">
        {value.kind === 'session'
          ? 'Only this request opens a session; the next one asks again.'
          : value.kind === 'permit-ip'
            ? `Later sessions from ${ip} may open without asking, until you remove the IP.`
            : value.kind === 'installation'
              ? `Sessions of this program open without asking for ${DURATION_WORDS[value.duration]}. You can revoke it any time.`
              : `Sessions from this network (the /24 or /64 around ${ip}) open without asking for ${DURATION_WORDS[value.duration]}. You can revoke it any time.`}
      </p>
    </fieldset>
  );
}
