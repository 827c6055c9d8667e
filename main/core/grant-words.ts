// Grants in words, for the quiet notice and the tray: "runner-3, 8 h", "203.0.113.0/24, 1 h", "anywhere, 30 min".
import type { Grant } from '../../protocol/index.js';

/** A grant's length (created → expires_at) the way people say it: "30 min", "8 h", "7 days". */
export function grantLength(grant: Pick<Grant, 'created' | 'expires_at'>): string {
  const minutes = Math.round((Date.parse(grant.expires_at) - Date.parse(grant.created)) / 60_000);
  if (!Number.isFinite(minutes) || minutes < 1) return 'moments';
  if (minutes < 60) return `${minutes} min`;
  if (minutes < 1440 || minutes % 1440 !== 0) {
    const hours = minutes / 60;
    return Number.isInteger(hours) ? `${hours} h` : `${Math.floor(hours)} h ${minutes % 60} min`;
  }
  const days = minutes / 1440;
  return days === 1 ? '1 day' : `${days} days`;
}

/** What the grant covers: the installation's name, the network, or "anywhere". */
export function grantCoverage(grant: Pick<Grant, 'scope' | 'installation' | 'network'>): string {
  if (grant.scope === 'installation') return grant.installation?.name ?? 'an installation';
  if (grant.scope === 'network') return grant.network ?? 'a network';
  return 'anywhere';
}

/** "runner-3, 8 h". */
export function grantLabel(grant: Grant): string {
  return `${grantCoverage(grant)}, ${grantLength(grant)}`;
}
