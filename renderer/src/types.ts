// The data the renderer shows, named once: the IPC contract's types (the renderer's only view of the rest of the
// project), so a change to the core or the protocol shows up here as a type error.
import type { InvokeArgs, InvokeResult } from '../../ipc/contract.js';

export type {
  Account,
  AccountDevice,
  ConnectionState,
  CoreError as BridgeError,
  DecideOutcome,
  DeviceEventEntry,
  DeviceNotice,
  EventPayloads,
  LocalHistoryEntry,
  PairingCodeIssued,
  PendingApproval,
  PermittedIp,
  Result,
  View,
} from '../../ipc/contract.js';

export type Credential = InvokeResult<'keys:list'>[number];
export type KeyMode = Credential['mode'];
export type IpStatus = InvokeResult<'ips:list'>[number]['status'];
export type ServerHistoryEntry = InvokeResult<'history:server'>[number];
export type RequestStatus = InvokeResult<'history:local'>[number]['status'];
export type KeyChange = InvokeArgs<'keys:update'>[2];
export type KeyCreate = InvokeArgs<'keys:create'>[1];
export type DecisionScope = NonNullable<InvokeArgs<'approvals:decide'>[2]['scope']>;

export type Grant = InvokeResult<'grants:list'>[number];
export type KeyGrants = InvokeResult<'grants:active'>[number];
export type SessionsOpenedNotice = InvokeResult<'grants:notices'>[number];
export type GrantInput = InvokeArgs<'grants:create'>[2];
