// Several requests waiting: a list to choose which one to look at, with its key, IP and time left.
import { formatClock } from '../format.js';
import { useNow } from '../hooks/useNow.js';
import type { PendingApproval } from '../types.js';

export function approvalKey(approval: PendingApproval): string {
  return `${approval.accountId}:${approval.request.uuid}`;
}

export function ApprovalQueue({
  pending,
  selectedKey,
  onSelect,
}: {
  pending: PendingApproval[];
  selectedKey: string;
  onSelect: (key: string) => void;
}) {
  const now = useNow(1000);
  return (
    <nav className="queue" aria-labelledby="queue-heading">
      <h2 id="queue-heading" className="visually-hidden">
        Waiting requests
      </h2>
      <ul className="queue__list">
        {pending.map((approval) => {
          const key = approvalKey(approval);
          const left = (new Date(approval.expiresAt).getTime() - now) / 1000;
          return (
            <li key={key}>
              <button
                type="button"
                className="queue__item"
                aria-current={key === selectedKey ? 'true' : undefined}
                onClick={() => onSelect(key)}
              >
                <span className="queue__name">{approval.request.credential.name}</span>
                <span className="queue__meta">
                  {approval.request.ip} · {formatClock(left)} left
                </span>
              </button>
            </li>
          );
        })}
      </ul>
    </nav>
  );
}
