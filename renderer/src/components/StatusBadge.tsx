import { STATUS_LABELS } from '../format.js';

/** A status in words and colour (the word carries the meaning; the colour only helps). */
export function StatusBadge({ status, label }: { status: string; label?: string }) {
  return (
    <span className={`badge badge--${status.toLowerCase().replaceAll('_', '-')}`}>
      {label ?? STATUS_LABELS[status] ?? status}
    </span>
  );
}
