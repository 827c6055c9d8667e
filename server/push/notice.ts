// What one server instance tells the others through PostgreSQL NOTIFY: ids only, never a row's content. A receiver
// reads the current row itself, so a notice can neither carry stale data nor leak anything to whoever can LISTEN,
// and it stays far below NOTIFY's 8 000-byte payload limit (worst case under 400 bytes, see NOTICE_MAX_BYTES).
import { randomBytes } from 'node:crypto';
import { z } from 'zod';

const Id = z.number().int().positive();
const Uuid = z.uuid();
/** Server-made texts only (the lock reason, a close reason), cut to this many UTF-8 bytes so a notice stays small. */
const REASON_MAX_BYTES = 200;
/** A WebSocket close reason may be at most 123 bytes. */
const CLOSE_REASON_MAX_BYTES = 123;

export const Notice = z.discriminatedUnion('kind', [
  /** A request was created PENDING: the user's devices should show it. */
  z.object({ kind: z.literal('requested'), user: Id, uuid: Uuid }),
  /** A request left PENDING: devices dismiss it, and long-polling requesters re-read it. */
  z.object({ kind: z.literal('resolved'), user: Id, uuid: Uuid }),
  /** Only the requester's long-poll needs to re-read the request. */
  z.object({ kind: z.literal('wake'), uuid: Uuid }),
  /** A key got locked, ending that many of its sessions; the receiver reads its name from the row. */
  z.object({
    kind: z.literal('locked'),
    user: Id,
    credential: Id,
    reason: z.string().max(REASON_MAX_BYTES),
    sessions: z.number().int().min(0),
  }),
  /** A device of the user was paired or removed: the receiver renders the message from the audit trail's row. */
  z.object({ kind: z.literal('device'), user: Id, event: Id }),
  /** A grant or a permitted IP opened a session without asking: the receiver renders session.opened from the row. */
  z.object({ kind: z.literal('opened'), user: Id, uuid: Uuid }),
  /** A grant was created, used or revoked: the receiver renders grant.changed from the grant's current row. */
  z.object({
    kind: z.literal('grant'),
    user: Id,
    grant: Id,
    change: z.enum(['created', 'used', 'revoked']),
  }),
  /** Every stream of the device closes (it was removed). */
  z.object({
    kind: z.literal('disconnect'),
    device: Id,
    // An application close code (the hub sends 4401): anything else could make the WebSocket's close() throw.
    code: z.number().int().min(4000).max(4999),
    reason: z.string().max(CLOSE_REASON_MAX_BYTES),
  }),
]);
export type Notice = z.infer<typeof Notice>;

/** The random id of the instance that sent a notice: an instance ignores its own notices. */
const InstanceId = z.string().regex(/^[0-9a-f]{16}$/);

/** No notice encodes to more than this (the test checks the worst case); NOTIFY allows 7 999. */
export const NOTICE_MAX_BYTES = 512;

/** The longest start of the text that fits in maxBytes of UTF-8, cut between characters (never inside one). */
function cutToBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let bytes = 0;
  let cut = '';
  for (const char of text) {
    bytes += Buffer.byteLength(char);
    if (bytes > maxBytes) break;
    cut += char;
  }
  return cut;
}

export function encodeNotice(from: string, notice: Notice): string {
  const bounded: Notice =
    notice.kind === 'locked'
      ? { ...notice, reason: cutToBytes(notice.reason, REASON_MAX_BYTES) }
      : notice.kind === 'disconnect'
        ? { ...notice, reason: cutToBytes(notice.reason, CLOSE_REASON_MAX_BYTES) }
        : notice;
  return JSON.stringify({ from, ...bounded });
}

/** The sender and notice, or null for a payload that is not one of ours (logged by the caller). */
export function decodeNotice(payload: string): { from: string; notice: Notice } | null {
  let json: unknown;
  try {
    json = JSON.parse(payload);
  } catch {
    return null;
  }
  const from = InstanceId.safeParse((json as { from?: unknown } | null)?.from);
  const notice = Notice.safeParse(json);
  return from.success && notice.success ? { from: from.data, notice: notice.data } : null;
}

export function newInstanceId(): string {
  return randomBytes(8).toString('hex');
}
