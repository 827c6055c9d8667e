// The user's enrolment audit trail from the server: every pairing and removal, who did it, from where, when.
import { formatDateTime } from '../format.js';
import type { Loaded } from '../hooks/useLoad.js';
import type { DeviceEventEntry } from '../types.js';
import { actor, platformName } from './words.js';

export function AuditTrail({ events }: { events: Loaded<DeviceEventEntry[]> }) {
  return (
    <section aria-labelledby="audit-heading">
      <h2 id="audit-heading">
        Audit trail{events.value ? <span className="muted"> ({events.value.length})</span> : null}
      </h2>
      <p className="hint">
        Every pairing and removal of these devices, as the server recorded it, newest first. A pairing names the device
        whose invite was used; a removal names the device that removed it.
      </p>
      {events.value === null ? (
        events.error ? null : (
          <p className="muted">Loading the audit trail…</p>
        )
      ) : events.value.length === 0 ? (
        <p className="empty">Nothing recorded yet.</p>
      ) : (
        <div className="table-scroll">
          <table className="table">
            <thead>
              <tr>
                <th scope="col">Time</th>
                <th scope="col">Event</th>
                <th scope="col">Device</th>
                <th scope="col">By</th>
                <th scope="col">IP address</th>
              </tr>
            </thead>
            <tbody>
              {events.value.map((event) => (
                <tr key={event.eventId}>
                  <td className="nowrap">
                    <time dateTime={event.at}>{formatDateTime(event.at)}</time>
                  </td>
                  <td>
                    <span className={`badge ${event.kind === 'paired' ? 'badge--accepted' : 'badge--rejected'}`}>
                      {event.kind === 'paired' ? 'Paired' : 'Removed'}
                    </span>
                  </td>
                  <td>
                    {event.device.name} <span className="muted small">({platformName(event.device.platform)})</span>
                  </td>
                  <td>{actor(event)}</td>
                  <td className="mono">{event.ip ?? '—'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
