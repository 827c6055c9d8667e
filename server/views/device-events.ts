// What the user's devices are told when a device is paired or removed: the stream message rendered from the audit
// trail's row, by the instance that wrote it and by any other instance that reads the row after a notice.
import type { DeviceEvent, ServerMessage } from '../../protocol/index.js';
import { iso } from './wire.js';
import type { DeviceEventRow } from '../store/types.js';

type DeviceEventMessage = Extract<ServerMessage, { type: 'device.paired' | 'device.removed' }>;

function actor(row: DeviceEventRow) {
  return row.byDeviceId === null ? null : { device_id: row.byDeviceId, name: row.byDeviceName ?? '' };
}

export function deviceEventMessage(row: DeviceEventRow): DeviceEventMessage {
  const device = { id: row.deviceId, name: row.deviceName, platform: row.platform };
  if (row.kind === 'paired') {
    return {
      type: 'device.paired',
      event_id: row.id,
      device,
      ip: row.ip ?? '',
      at: iso(row.at),
      invited_by: actor(row),
    };
  }
  return { type: 'device.removed', event_id: row.id, device, removed_by: actor(row), ip: row.ip, at: iso(row.at) };
}

export function deviceEventView(row: DeviceEventRow): DeviceEvent {
  return {
    id: row.id,
    kind: row.kind,
    device: { id: row.deviceId, name: row.deviceName, platform: row.platform },
    ip: row.ip,
    at: iso(row.at),
    by: actor(row),
  };
}
