// The user's approver devices at the server, on behalf of one account: the device list, removing another device,
// and the enrolment audit trail (docs/PROTOCOL.md §5.4–§5.6).
import { z } from 'zod';
import { ApproverDevice, DeviceEventList } from '../../protocol/index.js';
import {
  type AccountDevice,
  type DeviceEventEntry,
  type DeviceEventQuery,
  DeviceEventQuery as Query,
} from '../../ipc/contract.js';
import type { Result } from './api.js';
import type { DeviceClient } from './device-client.js';
import { fail, ok } from './result.js';

/** The reply of GET /v1/user/{userID}/approver-device: the §5.2 device object, one per device. */
const ApproverDeviceList = z.object({ Response: z.array(z.object({ ApproverDevice })) });
/** DELETE answers an empty Response. */
const Removed = z.object({ Response: z.array(z.unknown()).length(0) });
const DeviceId = z.number().int().positive();

export const OWN_DEVICE_REMOVAL =
  "This is this desktop's own device for the account: remove the account instead (Accounts → Remove).";

export class DevicesClient {
  constructor(private readonly device: DeviceClient) {}

  private get userPath(): string {
    return `/v1/user/${this.device.account.userId}`;
  }

  async list(): Promise<Result<AccountDevice[]>> {
    const reply = await this.device.call(
      { method: 'GET', path: `${this.userPath}/approver-device` },
      ApproverDeviceList,
      'Listing the devices',
    );
    if (!reply.ok) return reply;
    return ok(
      reply.value.Response.map(({ ApproverDevice: d }) => ({
        id: d.id,
        name: d.name,
        platform: d.platform,
        created: d.created,
        lastSeen: d.last_seen,
        thisDevice: d.id === this.device.account.deviceId,
      })),
    );
  }

  async remove(deviceId: number): Promise<Result<void>> {
    const id = DeviceId.safeParse(deviceId);
    if (!id.success) return fail('INVALID_INPUT', 'The device id must be a positive whole number.');
    if (id.data === this.device.account.deviceId) return fail('INVALID_INPUT', OWN_DEVICE_REMOVAL);
    const reply = await this.device.call(
      { method: 'DELETE', path: `${this.userPath}/approver-device/${id.data}` },
      Removed,
      'Removing the device',
    );
    return reply.ok ? ok(undefined) : reply;
  }

  async events(query: DeviceEventQuery = {}): Promise<Result<DeviceEventEntry[]>> {
    const valid = Query.safeParse(query);
    if (!valid.success) return fail('INVALID_INPUT', `The audit trail query: ${z.prettifyError(valid.error)}`);
    const search = new URLSearchParams();
    if (valid.data.count !== undefined) search.set('count', String(valid.data.count));
    if (valid.data.olderThan !== undefined) search.set('older_than', String(valid.data.olderThan));
    const suffix = search.size ? `?${search}` : '';
    const reply = await this.device.call(
      { method: 'GET', path: `${this.userPath}/device-event${suffix}` },
      DeviceEventList,
      'Reading the device audit trail',
    );
    if (!reply.ok) return reply;
    return ok(
      reply.value.Response.map(({ DeviceEvent: e }) => ({
        eventId: e.id,
        kind: e.kind,
        device: e.device,
        ip: e.ip,
        at: e.at,
        by: e.by ? { deviceId: e.by.device_id, name: e.by.name } : null,
      })),
    );
  }
}
