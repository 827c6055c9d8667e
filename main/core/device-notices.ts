// Enrolment notices: what the push stream tells about the user's other devices (device.paired, device.removed),
// kept in the local database until the user dismisses them. The server may send one event twice (an instance that
// lost its notice connection resends what it may have missed), so each event is recorded under its event_id once
// and announced only the first time.
import type { ServerMessage } from '../../protocol/index.js';
import type { DeviceNotice } from './api.js';
import type { Db } from './database.js';
import type { CoreEventEmitter } from './events.js';

type EnrolmentMessage = Extract<ServerMessage, { type: 'device.paired' | 'device.removed' }>;

/** The account a message arrived for: which device this desktop holds there, and for which user. */
export interface NoticeAccount {
  id: string;
  userName: string;
  deviceId: number;
}

interface NoticeRow {
  account_id: string;
  user_name: string;
  event_id: number;
  kind: 'paired' | 'removed';
  device_id: number;
  device_name: string;
  device_platform: DeviceNotice['device']['platform'];
  ip: string | null;
  at: string;
  by_device_id: number | null;
  by_name: string | null;
  by_this_device: number;
  removable: number;
  received_at: string;
}

const toNotice = (row: NoticeRow): DeviceNotice => ({
  accountId: row.account_id,
  userName: row.user_name,
  eventId: row.event_id,
  kind: row.kind,
  device: { id: row.device_id, name: row.device_name, platform: row.device_platform },
  ip: row.ip,
  at: row.at,
  by: row.by_device_id === null ? null : { deviceId: row.by_device_id, name: row.by_name ?? '' },
  byThisDevice: row.by_this_device === 1,
  removable: row.removable === 1,
  receivedAt: row.received_at,
});

export class DeviceNotices {
  constructor(
    private readonly db: Db,
    private readonly events: CoreEventEmitter,
    /** The undismissed list changed (the core sends it to the renderer with the accounts' user names). */
    private readonly onChanged: () => void,
  ) {}

  /** Records an enrolment message; the first time an event_id is seen it is announced, a repeat changes nothing. */
  received(account: NoticeAccount, message: EnrolmentMessage, receivedAt: string): void {
    const by = message.type === 'device.paired' ? message.invited_by : message.removed_by;
    const byThisDevice = by?.device_id === account.deviceId;
    const inserted = this.db.transaction(() => {
      const insert = this.db
        .prepare(
          `INSERT OR IGNORE INTO device_notice (account_id, event_id, kind, device_id, device_name, device_platform, ip,
             at, by_device_id, by_name, by_this_device, removable, received_at, dismissed_at)
           VALUES (@account_id, @event_id, @kind, @device_id, @device_name, @device_platform, @ip, @at, @by_device_id,
             @by_name, @by_this_device, @removable, @received_at, @dismissed_at)`,
        )
        .run({
          account_id: account.id,
          event_id: message.event_id,
          kind: message.type === 'device.paired' ? 'paired' : 'removed',
          device_id: message.device.id,
          device_name: message.device.name,
          device_platform: message.device.platform,
          ip: message.ip,
          at: message.at,
          by_device_id: by?.device_id ?? null,
          by_name: by?.name ?? null,
          by_this_device: byThisDevice ? 1 : 0,
          // A device removed before its pairing notice arrived (or a repeat after the removal) is not removable.
          removable: message.type === 'device.paired' && !this.wasRemoved(account.id, message.device.id) ? 1 : 0,
          received_at: receivedAt,
          // A removal made from this desktop needs no notice: the user just did it here.
          dismissed_at: message.type === 'device.removed' && byThisDevice ? receivedAt : null,
        });
      if (insert.changes === 0) return false;
      if (message.type === 'device.removed') {
        // Nothing is left to remove: the pairing notices of that device say so, and need no answer any more.
        this.db
          .prepare(
            `UPDATE device_notice SET removable = 0, dismissed_at = COALESCE(dismissed_at, ?)
             WHERE account_id = ? AND device_id = ? AND kind = 'paired'`,
          )
          .run(receivedAt, account.id, message.device.id);
      }
      return true;
    })();
    if (!inserted) return;
    const notice = this.read(account.id, message.event_id, account.userName);
    if (notice) this.events.emit('devices:enrolment', notice);
    this.onChanged();
  }

  /** Undismissed notices, newest event first. */
  list(userNames: ReadonlyMap<string, string>): DeviceNotice[] {
    const rows = this.db
      .prepare(`SELECT * FROM device_notice WHERE dismissed_at IS NULL ORDER BY at DESC, event_id DESC`)
      .all() as Omit<NoticeRow, 'user_name'>[];
    return rows.flatMap((row) => {
      const userName = userNames.get(row.account_id);
      return userName === undefined ? [] : [toNotice({ ...row, user_name: userName })];
    });
  }

  /** True when a notice was dismissed now; false when there was none to dismiss. */
  dismiss(accountId: string, eventId: number, at: string): boolean {
    const changed = this.db
      .prepare(
        `UPDATE device_notice SET dismissed_at = ? WHERE account_id = ? AND event_id = ? AND dismissed_at IS NULL`,
      )
      .run(at, accountId, eventId).changes;
    if (changed > 0) this.onChanged();
    return changed > 0;
  }

  /** Dismissed notices older than `before` go; undismissed ones stay until the user has seen them. */
  prune(before: string): void {
    this.db.prepare('DELETE FROM device_notice WHERE dismissed_at IS NOT NULL AND at < ?').run(before);
  }

  private wasRemoved(accountId: string, deviceId: number): boolean {
    return (
      this.db
        .prepare(`SELECT 1 FROM device_notice WHERE account_id = ? AND device_id = ? AND kind = 'removed' LIMIT 1`)
        .get(accountId, deviceId) !== undefined
    );
  }

  private read(accountId: string, eventId: number, userName: string): DeviceNotice | null {
    const row = this.db
      .prepare('SELECT * FROM device_notice WHERE account_id = ? AND event_id = ?')
      .get(accountId, eventId) as Omit<NoticeRow, 'user_name'> | undefined;
    return row ? toNotice({ ...row, user_name: userName }) : null;
  }
}
