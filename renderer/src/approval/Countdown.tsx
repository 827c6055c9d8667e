// The time left to decide. The figure updates every second for the eye; screen readers hear only the moments that
// matter (one minute, 30 and 10 seconds left, expired), not every tick.
import { formatClock, formatDurationWords } from '../format.js';
import { useNow } from '../hooks/useNow.js';

function milestone(secondsLeft: number): string {
  if (secondsLeft <= 0) return 'This request has expired.';
  if (secondsLeft <= 10) return '10 seconds left to decide.';
  if (secondsLeft <= 30) return '30 seconds left to decide.';
  if (secondsLeft <= 60) return 'One minute left to decide.';
  return '';
}

/**
 * `created` and `expiryTime` are on the server's clock (their difference is the request's lifetime); `expiresAt` is
 * the expiry on this desktop's clock, which the time left is counted against.
 */
export function Countdown({
  created,
  expiryTime,
  expiresAt,
}: {
  created: string;
  expiryTime: string;
  expiresAt: string;
}) {
  const now = useNow(1000);
  const end = new Date(expiresAt).getTime();
  const total = Math.max(1, (new Date(expiryTime).getTime() - new Date(created).getTime()) / 1000);
  const left = Math.max(0, (end - now) / 1000);
  const urgent = left <= 20;
  return (
    <div className={`countdown${urgent ? ' countdown--urgent' : ''}`}>
      <p className="countdown__text">
        <span aria-hidden="true">Expires in </span>
        <span className="visually-hidden">Time left: {formatDurationWords(left)}</span>
        <time aria-hidden="true" className="countdown__clock" dateTime={expiryTime}>
          {formatClock(left)}
        </time>
      </p>
      <progress className="countdown__bar" max={Math.round(total)} value={Math.round(left)} aria-hidden="true" />
      <p className="visually-hidden" aria-live="polite" data-testid="countdown-announcement">
        {milestone(Math.ceil(left))}
      </p>
    </div>
  );
}
