// After a reconnect the server resends every PENDING request, but says nothing about the ones decided or expired
// while this desktop was away. Those are still in our queue: ask the server which requests are pending, and
// close the ones it no longer lists.
import type { RequestStatus, SessionRequestHistoryEntry } from '../../protocol/index.js';
import type { Inbox } from './inbox.js';
import type { ManagementClient } from './management.js';

export interface ResyncInput {
  accountId: string;
  /** Uuids this account had queued when the new connection said hello. */
  queuedAtHello: string[];
  /** Uuids the new connection has sent so far (read when the server's answer arrives). */
  sentSinceHello: () => ReadonlySet<string>;
  /** False once another connection has replaced the one this resync belongs to. */
  stillCurrent: () => boolean;
}

const HISTORY_PAGE = 200;

export async function resyncAfterHello(inbox: Inbox, management: ManagementClient, input: ResyncInput): Promise<void> {
  if (input.queuedAtHello.length === 0) return;
  const pending = await management.serverHistory({ status: 'PENDING', count: HISTORY_PAGE });
  // Unreachable now: keep everything; the next connection resyncs again.
  if (!pending.ok || !input.stillCurrent()) return;
  const listed = new Set(pending.value.map((entry) => entry.uuid));
  const sent = input.sentSinceHello();
  // A request sent on this connection is pending whatever the list says (it may be newer than the list).
  const gone = input.queuedAtHello.filter((uuid) => !listed.has(uuid) && !sent.has(uuid) && inbox.queue.has(uuid));
  for (const uuid of gone) {
    const status = await finalStatus(inbox, management, uuid);
    if (!input.stillCurrent()) return;
    inbox.resolved(input.accountId, uuid, status);
  }
}

async function finalStatus(inbox: Inbox, management: ManagementClient, uuid: string): Promise<RequestStatus> {
  const request = inbox.queue.get(uuid)?.request;
  const history = request
    ? await management.serverHistory({ credentialId: request.credential.id, count: HISTORY_PAGE })
    : null;
  const entry: SessionRequestHistoryEntry | undefined = history?.ok
    ? history.value.find((e) => e.uuid === uuid)
    : undefined;
  if (entry) return entry.status;
  // Not among the key's newest entries (only possible after hundreds of sessions on one key within one request
  // lifetime). Past its expiry it expired; before it, another device decided it and the outcome is unknown here:
  // REJECTED is the cautious reading (it claims no session was opened).
  return inbox.isExpired(uuid) ? 'EXPIRED' : 'REJECTED';
}
