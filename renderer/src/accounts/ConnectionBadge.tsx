import { formatTime } from '../format.js';
import type { ConnectionState } from '../types.js';

/** The push connection of an account in words: connected since, connecting (which attempt), or offline and why. */
export function ConnectionBadge({ connection }: { connection: ConnectionState }) {
  switch (connection.state) {
    case 'connected':
      return (
        <p className="connection">
          <span className="badge badge--accepted">Connected</span>{' '}
          <span className="muted">since {formatTime(connection.since)}</span>
        </p>
      );
    case 'connecting':
      return (
        <p className="connection">
          <span className="badge badge--pending">Connecting…</span>{' '}
          {connection.attempt > 1 ? <span className="muted">attempt {connection.attempt}</span> : null}
        </p>
      );
    case 'offline':
      return (
        <p className="connection">
          <span className="badge badge--rejected">Offline</span> <span>{connection.reason}</span>{' '}
          <span className="muted">
            {connection.retryAt ? `Retrying at ${formatTime(connection.retryAt)}.` : 'Not retrying.'}
          </span>
        </p>
      );
  }
}
