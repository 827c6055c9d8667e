// The request's context in three labelled groups: what changed since the key's last approved session (first, as
// it is what to look at), what the server itself saw, and what the program claims about itself — kept apart because
// whoever holds the key writes the claims, an attacker with a stolen key too.
import { formatAgo, formatDate, formatLocation } from '../format.js';
import type { PendingApproval } from '../types.js';
import { addressKind, changeLine, observedNetwork, observedPlace } from './context.js';

type Request = PendingApproval['request'];

export function WhatChanged({ request }: { request: Request }) {
  const changes = request.changes ?? [];
  const repeats = request.repeat_count ?? 1;
  if (changes.length === 0 && repeats <= 1) return null;
  return (
    <section className="context context--changes" aria-labelledby="context-changes">
      <h3 id="context-changes" className="context__title">
        What changed
      </h3>
      <ul className="context__changes">
        {changes.map((change) => (
          <li key={change.kind}>{changeLine(change)}</li>
        ))}
        {repeats > 1 ? <li>Asked {repeats} times: identical attempts from the same program and address.</li> : null}
      </ul>
    </section>
  );
}

export function SeenByServer({ request, now }: { request: Request; now: number }) {
  const { observed, installation } = request;
  return (
    <section className="context context--seen" aria-labelledby="context-seen">
      <h3 id="context-seen" className="context__title">
        Seen by the server
      </h3>
      <dl className="facts">
        <div className="facts__row">
          <dt>IP address</dt>
          <dd>
            <span className="mono">{request.ip}</span>{' '}
            {request.ip_known ? (
              <span className="badge badge--active">Known IP for this key</span>
            ) : (
              <span className="badge badge--new-ip">New IP for this key</span>
            )}
            {observed && observed.kind !== 'public' ? <span className="muted"> · {addressKind(observed)}</span> : null}
          </dd>
        </div>
        <div className="facts__row">
          <dt>Network</dt>
          <dd>{observed ? observedNetwork(observed) : 'Unknown'}</dd>
        </div>
        <div className="facts__row">
          <dt>Location</dt>
          <dd>{observed ? observedPlace(observed) : 'Unknown'}</dd>
        </div>
        <div className="facts__row">
          <dt>Program</dt>
          <dd>
            {installation ? (
              <>
                {installation.name} <span className="mono">{installation.fingerprint}</span>{' '}
                {installation.new_program ? <span className="badge badge--new-program">New program</span> : null}
                <br />
                <span className="muted">
                  First seen {formatDate(installation.created)} ({formatAgo(installation.created, now)}) ·{' '}
                  {installation.sessions_opened === 1 ? '1 session' : `${installation.sessions_opened} sessions`}{' '}
                  approved
                </span>
              </>
            ) : (
              <span className="muted">Not identified (the request is not signed by a registered installation)</span>
            )}
          </dd>
        </div>
      </dl>
    </section>
  );
}

export function ClaimedByProgram({ request }: { request: Request }) {
  const claimed = request.claimed ?? {
    description: request.description,
    user_agent: request.user_agent,
    geolocation: request.geolocation,
    far_from_observed: false,
    distance_km: null,
  };
  return (
    <section className="context context--claimed" aria-labelledby="context-claimed">
      <h3 id="context-claimed" className="context__title">
        Claimed by the program <span className="context__aside">(written by whoever holds the key)</span>
      </h3>
      <dl className="facts">
        <div className="facts__row">
          <dt>Description</dt>
          <dd className="facts__wrap">{claimed.description ?? <span className="muted">Not given</span>}</dd>
        </div>
        <div className="facts__row">
          <dt>User agent</dt>
          <dd className="facts__wrap">{claimed.user_agent ?? <span className="muted">Not given</span>}</dd>
        </div>
        <div className="facts__row">
          <dt>Location</dt>
          <dd>
            {formatLocation(claimed.geolocation)}
            {claimed.far_from_observed ? (
              <>
                {' '}
                <span className="badge badge--far">
                  {claimed.distance_km !== null
                    ? `${claimed.distance_km} km from where the server sees it`
                    : 'Not where the server sees it'}
                </span>
              </>
            ) : null}
          </dd>
        </div>
      </dl>
    </section>
  );
}
