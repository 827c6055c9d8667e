// How enrolment events read: who did it, in words. The same facts the desktop notification states.
import type { DeviceEventEntry, DeviceNotice } from '../types.js';

const PLATFORMS: Record<DeviceEventEntry['device']['platform'], string> = {
  linux: 'Linux',
  darwin: 'macOS',
  win32: 'Windows',
  other: 'other',
};

export function platformName(platform: DeviceEventEntry['device']['platform']): string {
  return PLATFORMS[platform];
}

/** "by ‘ada laptop’", "by itself", "by the server's operator" — for a removal. */
export function removedBy(event: Pick<DeviceEventEntry, 'by' | 'device'>): string {
  if (event.by === null) return "by the server's operator";
  if (event.by.deviceId === event.device.id) return 'by itself (unpaired on that device)';
  return `by ‘${event.by.name}’`;
}

/** "with an invite from ‘ada laptop’", "with a code from the server's operator" — for a pairing. */
export function invitedBy(event: Pick<DeviceEventEntry, 'by'>): string {
  return event.by === null ? "with a code from the server's operator" : `with an invite from ‘${event.by.name}’`;
}

/** Who acted, for the audit trail's column. */
export function actor(event: DeviceEventEntry): string {
  if (event.by === null) return "The server's operator";
  if (event.kind === 'removed' && event.by.deviceId === event.device.id) return 'The device itself';
  return event.by.name;
}

export function noticeTitle(notice: DeviceNotice): string {
  return notice.kind === 'paired'
    ? `New approver ‘${notice.device.name}’ (${notice.device.platform}) paired`
    : `Approver ‘${notice.device.name}’ was removed ${removedBy(notice)}`;
}
