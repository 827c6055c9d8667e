// Grants in words for the Grants view: what one covers, how long it has left, how many sessions it may still open.
import type { Grant } from '../types.js';

export function coverage(grant: Grant): string {
  if (grant.scope === 'installation')
    return grant.installation
      ? `Program ${grant.installation.name} (${grant.installation.fingerprint})`
      : 'One program (installation)';
  if (grant.scope === 'network') return `Network ${grant.network ?? ''}`;
  return 'Anywhere';
}

/** "7 h 59 min", "2 days 3 h", "under a minute". */
export function roughDuration(ms: number): string {
  const minutes = Math.floor(ms / 60_000);
  if (minutes < 1) return 'under a minute';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const mins = minutes % 60;
  if (days) return `${days} day${days === 1 ? '' : 's'}${hours ? ` ${hours} h` : ''}`;
  if (hours) return `${hours} h${mins ? ` ${mins} min` : ''}`;
  return `${mins} min`;
}

export function expiresIn(grant: Grant, now: number): string {
  const ms = Date.parse(grant.expires_at) - now;
  return ms <= 0 ? 'expired' : `in ${roughDuration(ms)}`;
}

export function usesLeft(grant: Grant): string {
  if (grant.uses_left === null) return `no limit (${grant.uses} used)`;
  return `${grant.uses_left} of ${grant.max_uses}`;
}
