// How the approval context reads: the server's own observations of the requester's address, and the lines of
// "what changed" since the key's last approved session. Words only; the card lays them out.
import { countryName } from '../format.js';
import type { PendingApproval } from '../types.js';

type Request = PendingApproval['request'];
export type Observed = NonNullable<Request['observed']>;
export type Change = NonNullable<Request['changes']>[number];

const KIND_WORDS: Record<Observed['kind'], string> = {
  public: 'Public Internet address',
  private: 'Private network address',
  loopback: 'This machine (loopback)',
  'link-local': 'Link-local address',
  unknown: 'Not an Internet address',
};

export function addressKind(observed: Observed): string {
  return KIND_WORDS[observed.kind];
}

/** "Amsterdam, North Holland, Netherlands", or why the server cannot say. */
export function observedPlace(observed: Observed): string {
  if (observed.lookup === 'not-applicable') return 'None: not a public address';
  if (observed.lookup === 'unavailable') return 'Unknown (the server has no location database)';
  const parts = [observed.city, observed.region, countryName(observed.country)].filter(
    (part, index, all): part is string => !!part && all.indexOf(part) === index,
  );
  return parts.length > 0 ? parts.join(', ') : 'Unknown';
}

/** "AS15169 Google LLC", or why the server cannot say. */
export function observedNetwork(observed: Observed): string {
  if (observed.network) return observed.network;
  if (observed.lookup === 'not-applicable') return 'None: not a public address';
  if (observed.lookup === 'unavailable') return 'Unknown (the server has no network database)';
  return 'Unknown';
}

const shown = (value: string | null, unknown = 'unknown') => value ?? unknown;
const country = (code: string | null) => countryName(code) ?? 'unknown';

/** One line per change, in the server's order. */
export function changeLine(change: Change): string {
  switch (change.kind) {
    case 'first-session':
      return 'First session for this key: there is no approved session to compare with.';
    case 'new-country':
      return `New country: ${country(change.current)} (last approved session: ${country(change.previous)}).`;
    case 'new-network':
      return `New network: ${shown(change.current)} (last approved session: ${shown(change.previous)}).`;
    case 'new-installation':
      return `Another program installation: ${shown(change.current)} (last approved session: ${shown(change.previous)}).`;
    case 'new-user-agent':
      return `New user agent: ${shown(change.current, 'none')} (last approved session: ${shown(change.previous, 'none')}).`;
  }
}
