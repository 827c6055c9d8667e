// How times, places and modes read to people. Uses the OS locale through Intl (no date library).

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateOnly = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium' });
const timeOnly = new Intl.DateTimeFormat(undefined, { timeStyle: 'medium' });
const relative = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });
const regions = new Intl.DisplayNames(undefined, { type: 'region' });

export function formatDateTime(iso: string | null | undefined): string {
  if (!iso) return '—';
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateTime.format(date);
}

export function formatDate(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : dateOnly.format(date);
}

export function formatTime(iso: string): string {
  const date = new Date(iso);
  return Number.isNaN(date.getTime()) ? iso : timeOnly.format(date);
}

/** "3 minutes ago", "yesterday", "never". */
export function formatAgo(iso: string | null, now: number = Date.now()): string {
  if (!iso) return 'never';
  const seconds = Math.round((new Date(iso).getTime() - now) / 1000);
  const steps: [Intl.RelativeTimeFormatUnit, number][] = [
    ['second', 60],
    ['minute', 60],
    ['hour', 24],
    ['day', 30],
    ['month', 12],
  ];
  let value = seconds;
  for (const [unit, size] of steps) {
    if (Math.abs(value) < size) return relative.format(value, unit);
    value = Math.round(value / size);
  }
  return relative.format(value, 'year');
}

/** "1:05" for a countdown. */
export function formatClock(totalSeconds: number): string {
  const seconds = Math.max(0, Math.ceil(totalSeconds));
  return `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, '0')}`;
}

/** "1 minute 5 seconds" for screen readers. */
export function formatDurationWords(totalSeconds: number): string {
  const seconds = Math.max(0, Math.ceil(totalSeconds));
  const minutes = Math.floor(seconds / 60);
  const rest = seconds % 60;
  const parts: string[] = [];
  if (minutes) parts.push(`${minutes} minute${minutes === 1 ? '' : 's'}`);
  if (rest || !minutes) parts.push(`${rest} second${rest === 1 ? '' : 's'}`);
  return parts.join(' ');
}

export function countryName(code: string | null): string | null {
  if (!code) return null;
  try {
    return regions.of(code) ?? code;
  } catch {
    return code;
  }
}

/** "Netherlands (52.37, 4.89 ± 100 m)". */
export function formatLocation(
  geo: { latitude: number; longitude: number; radius: number; country: string | null } | null,
): string {
  if (!geo) return 'Not given by the program';
  const coords = `${geo.latitude.toFixed(2)}, ${geo.longitude.toFixed(2)}`;
  const radius = geo.radius > 0 ? ` ± ${Math.round(geo.radius)} m` : '';
  const country = countryName(geo.country);
  return country ? `${country} (${coords}${radius})` : `${coords}${radius}`;
}

export const MODE_LABELS = {
  'ip-only': 'IP allowlist only',
  push: 'Ask every time',
  'push-unless-trusted': 'Ask unless the IP is trusted',
} as const;

export const MODE_HINTS = {
  'ip-only': 'Sessions open at once from an ACTIVE permitted IP; every other IP is refused. No approval asked.',
  push: 'Every new session waits for your approval on this desktop.',
  'push-unless-trusted': 'Sessions from an ACTIVE permitted IP open at once; any other IP waits for your approval.',
} as const;

export const STATUS_LABELS: Record<string, string> = {
  PENDING_FIRST_USE: 'Not used yet',
  ACTIVE: 'Active',
  INACTIVE: 'Deactivated',
  LOCKED: 'Locked',
  PENDING: 'Waiting',
  ACCEPTED: 'Approved',
  REJECTED: 'Blocked',
  EXPIRED: 'Expired',
};

export function plural(count: number, one: string, many = `${one}s`): string {
  return `${count} ${count === 1 ? one : many}`;
}
