// The data the renderer shows, named once. Everything is derived from the IPC contract (the renderer's only view
// of the rest of the project), so a change to the core or the protocol shows up here as a type error.
import type { CountersignBridge, InvokeArgs, InvokeResult } from '../../ipc/contract.js';

export type { EventPayloads, View } from '../../ipc/contract.js';

type AnyResult = Awaited<ReturnType<CountersignBridge['invoke']>>;
export type BridgeError = Extract<AnyResult, { ok: false }>['error'];
export type Result<T> = { ok: true; value: T } | { ok: false; error: BridgeError };

export type Account = InvokeResult<'accounts:list'>[number];
export type ConnectionState = Account['connection'];
export type PendingApproval = InvokeResult<'approvals:list'>[number];
export type DecideOutcome = InvokeResult<'approvals:decide'>;
export type Credential = InvokeResult<'keys:list'>[number];
export type KeyMode = Credential['mode'];
export type PermittedIp = InvokeResult<'ips:list'>[number];
export type IpStatus = PermittedIp['status'];
export type LocalHistoryEntry = InvokeResult<'history:local'>[number];
export type ServerHistoryEntry = InvokeResult<'history:server'>[number];
export type RequestStatus = LocalHistoryEntry['status'];
export type PairingCodeIssued = InvokeResult<'accounts:invite'>;
export type KeyChange = InvokeArgs<'keys:update'>[2];
export type KeyCreate = InvokeArgs<'keys:create'>[1];
