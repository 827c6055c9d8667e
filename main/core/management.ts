// Typed, validated calls to the key-management endpoints (bunq's credential-password-ip with our extensions)
// and the server's request history, on behalf of one account.
import { z } from 'zod';
import {
  CredentialCreate,
  CredentialCreated,
  type CredentialPasswordIp,
  CredentialPasswordIpList,
  CredentialUpdate,
  CredentialUpdated,
  type Grant,
  GrantCreate,
  GrantCreated,
  GrantList,
  GrantRevoked,
  type IpStatus,
  NotMeResult,
  type PermittedIp,
  PermittedIpCreate,
  PermittedIpCreated,
  PermittedIpList,
  PermittedIpRead,
  PermittedIpUpdate,
  RequestStatus,
  SessionRequestHistory,
  type SessionRequestHistoryEntry,
} from '../../protocol/index.js';
import type { Result } from './api.js';
import type { DeviceClient } from './device-client.js';
import { fail, ok } from './result.js';

export interface ServerHistoryQuery {
  status?: RequestStatus;
  credentialId?: number;
  count?: number;
}

const PositiveId = z.number().int().positive();
const ServerHistoryQuerySchema = z.strictObject({
  status: RequestStatus.optional(),
  credentialId: PositiveId.optional(),
  count: z.number().int().min(1).max(200).optional(),
});

/** Checks arguments against the protocol before anything is sent: bad input changes nothing anywhere. */
function checked<S extends z.ZodType>(schema: S, value: unknown, what: string): Result<z.infer<S>> {
  const parsed = schema.safeParse(value);
  return parsed.success ? ok(parsed.data) : fail('INVALID_INPUT', `${what}: ${z.prettifyError(parsed.error)}`);
}

export class ManagementClient {
  constructor(private readonly device: DeviceClient) {}

  private get keysPath(): string {
    return `/v1/user/${this.device.account.userId}/credential-password-ip`;
  }

  async listKeys(): Promise<Result<CredentialPasswordIp[]>> {
    const reply = await this.device.call(
      { method: 'GET', path: this.keysPath },
      CredentialPasswordIpList,
      'Listing the API keys',
    );
    return reply.ok ? ok(reply.value.Response.map((item) => item.CredentialPasswordIp)) : reply;
  }

  async createKey(input: CredentialCreate): Promise<Result<CredentialPasswordIp>> {
    const body = checked(CredentialCreate, input, 'The new key');
    if (!body.ok) return body;
    const reply = await this.device.call(
      { method: 'POST', path: this.keysPath, body: body.value },
      CredentialCreated,
      'Creating the API key',
    );
    return reply.ok ? ok(reply.value.Response[1].CredentialPasswordIp) : reply;
  }

  async updateKey(credentialId: number, input: CredentialUpdate): Promise<Result<CredentialPasswordIp>> {
    const id = checked(PositiveId, credentialId, 'The key id');
    const body = checked(CredentialUpdate, input, 'The change');
    if (!id.ok) return id;
    if (!body.ok) return body;
    const reply = await this.device.call(
      { method: 'PUT', path: `${this.keysPath}/${id.value}`, body: body.value },
      CredentialUpdated,
      'Changing the API key',
    );
    return reply.ok ? ok(reply.value.Response[1].CredentialPasswordIp) : reply;
  }

  async listIps(credentialId: number): Promise<Result<PermittedIp[]>> {
    const id = checked(PositiveId, credentialId, 'The key id');
    if (!id.ok) return id;
    const reply = await this.device.call(
      { method: 'GET', path: `${this.keysPath}/${id.value}/ip` },
      PermittedIpList,
      'Listing the permitted IPs',
    );
    return reply.ok ? ok(reply.value.Response.map((item) => item.PermittedIp)) : reply;
  }

  async addIp(credentialId: number, ip: string, status?: IpStatus): Promise<Result<PermittedIp>> {
    const id = checked(PositiveId, credentialId, 'The key id');
    const body = checked(PermittedIpCreate, status === undefined ? { ip } : { ip, status }, 'The IP address');
    if (!id.ok) return id;
    if (!body.ok) return body;
    const created = await this.device.call(
      { method: 'POST', path: `${this.keysPath}/${id.value}/ip`, body: body.value },
      PermittedIpCreated,
      'Adding the IP address',
    );
    // bunq answers a create with the new id only; read the item back so the caller gets the whole row.
    return created.ok ? this.readIp(id.value, created.value.Response[0].Id.id) : created;
  }

  async setIpStatus(credentialId: number, ipId: number, status: IpStatus): Promise<Result<PermittedIp>> {
    const id = checked(PositiveId, credentialId, 'The key id');
    const itemId = checked(PositiveId, ipId, 'The IP id');
    const body = checked(PermittedIpUpdate, { status }, 'The IP status');
    if (!id.ok) return id;
    if (!itemId.ok) return itemId;
    if (!body.ok) return body;
    const updated = await this.device.call(
      { method: 'PUT', path: `${this.keysPath}/${id.value}/ip/${itemId.value}`, body: body.value },
      PermittedIpCreated,
      'Changing the IP address status',
    );
    return updated.ok ? this.readIp(id.value, itemId.value) : updated;
  }

  /** The key's grants, newest first: live ones, or every one (revoked, expired and used up too). */
  async listGrants(credentialId: number, options: { all?: boolean } = {}): Promise<Result<Grant[]>> {
    const id = checked(PositiveId, credentialId, 'The key id');
    if (!id.ok) return id;
    const reply = await this.device.call(
      { method: 'GET', path: `${this.keysPath}/${id.value}/grant${options.all ? '?status=all' : ''}` },
      GrantList,
      'Listing the grants',
    );
    return reply.ok ? ok(reply.value.Response.map((item) => item.Grant)) : reply;
  }

  /** Pre-authorises sessions of the key without a pending request (protocol §18.2). */
  async createGrant(credentialId: number, input: GrantCreate): Promise<Result<Grant>> {
    const id = checked(PositiveId, credentialId, 'The key id');
    const body = checked(GrantCreate, input, 'The grant');
    if (!id.ok) return id;
    if (!body.ok) return body;
    const reply = await this.device.call(
      { method: 'POST', path: `${this.keysPath}/${id.value}/grant`, body: body.value },
      GrantCreated,
      'Creating the grant',
    );
    return reply.ok ? ok(reply.value.Response[1].Grant) : reply;
  }

  /** Revokes a grant at once; endSessions also ends the sessions it opened. */
  async revokeGrant(
    credentialId: number,
    grantId: number,
    options: { endSessions?: boolean } = {},
  ): Promise<Result<{ grant: Grant; sessionsEnded: number }>> {
    const id = checked(PositiveId, credentialId, 'The key id');
    const grant = checked(PositiveId, grantId, 'The grant id');
    if (!id.ok) return id;
    if (!grant.ok) return grant;
    const query = options.endSessions ? '?end_sessions=true' : '';
    const reply = await this.device.call(
      { method: 'DELETE', path: `${this.keysPath}/${id.value}/grant/${grant.value}${query}` },
      GrantRevoked,
      'Revoking the grant',
    );
    if (!reply.ok) return reply;
    const [item, ended] = reply.value.Response;
    return ok({ grant: item.Grant, sessionsEnded: ended.SessionsEnded.count });
  }

  /** "This wasn't me": revoke the key's live grants, deactivate it and end its sessions, in one call. */
  async reportNotMe(credentialId: number) {
    const id = checked(PositiveId, credentialId, 'The key id');
    if (!id.ok) return id;
    const reply = await this.device.call(
      { method: 'POST', path: `${this.keysPath}/${id.value}/this-was-not-me` },
      NotMeResult,
      'Reporting the sessions as not yours',
    );
    return reply.ok ? ok(reply.value.Response[0].NotMe) : reply;
  }

  async serverHistory(query: ServerHistoryQuery = {}): Promise<Result<SessionRequestHistoryEntry[]>> {
    const valid = checked(ServerHistoryQuerySchema, query, 'The history query');
    if (!valid.ok) return valid;
    const search = new URLSearchParams();
    if (valid.value.status) search.set('status', valid.value.status);
    if (valid.value.credentialId) search.set('credential_id', String(valid.value.credentialId));
    if (valid.value.count) search.set('count', String(valid.value.count));
    const suffix = search.size ? `?${search}` : '';
    const reply = await this.device.call(
      { method: 'GET', path: `/v1/user/${this.device.account.userId}/session-server-request${suffix}` },
      SessionRequestHistory,
      'Reading the server history',
    );
    return reply.ok ? ok(reply.value.Response.map((item) => item.SessionServerRequest)) : reply;
  }

  private async readIp(credentialId: number, ipId: number): Promise<Result<PermittedIp>> {
    const reply = await this.device.call(
      { method: 'GET', path: `${this.keysPath}/${credentialId}/ip/${ipId}` },
      PermittedIpRead,
      'Reading the IP address',
    );
    return reply.ok ? ok(reply.value.Response[0].PermittedIp) : reply;
  }
}
