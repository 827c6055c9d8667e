// "What changed": a request compared with the key's last approved session — another country, another network
// (AS), another User-Agent, another installation — so that the card can say it first. A key never approved says
// so instead. Values that are unknown on both sides are no change; unknown on one side is one (null shows it).
import type { Change } from '../../protocol/index.js';
import type { ObservedAddress, SessionRequestRow } from '../store/types.js';

export interface ComparedFields {
  observed: ObservedAddress | null;
  userAgent: string | null;
  /**
   * The requester's installation, once requesters name one (null until then: no change is reported). The row of
   * the previous session must then carry it too.
   */
  installation?: string | null;
}

const asnText = (observed: ObservedAddress | null) =>
  observed?.asn === null || observed?.asn === undefined
    ? null
    : `AS${observed.asn}${observed.asnName ? ` ${observed.asnName}` : ''}`;

export function changesSince(
  previous: (ComparedFields & Pick<SessionRequestRow, 'uuid'>) | null,
  current: ComparedFields,
): Change[] {
  if (!previous) return [{ kind: 'first-session', previous: null, current: null }];
  const changes: Change[] = [];
  const country = (o: ObservedAddress | null) => o?.country ?? null;
  if (country(previous.observed) !== country(current.observed)) {
    changes.push({ kind: 'new-country', previous: country(previous.observed), current: country(current.observed) });
  }
  const asn = (o: ObservedAddress | null) => o?.asn ?? null;
  if (asn(previous.observed) !== asn(current.observed)) {
    changes.push({ kind: 'new-network', previous: asnText(previous.observed), current: asnText(current.observed) });
  }
  const installation = { previous: previous.installation ?? null, current: current.installation ?? null };
  if (
    installation.previous !== null &&
    installation.current !== null &&
    installation.previous !== installation.current
  ) {
    changes.push({ kind: 'new-installation', ...installation });
  }
  if (previous.userAgent !== current.userAgent) {
    changes.push({ kind: 'new-user-agent', previous: previous.userAgent, current: current.userAgent });
  }
  return changes;
}
