// THE IPC SCHEMA: every message between the Electron main process and the renderer, in both directions, in one
// declarative object. Each entry is one channel, named `group:name`, and says which way it goes:
//   invoke<R>()(args)     renderer → main, answered with Result<R>; the argument tuple is a zod schema main checks
//   notifyRenderer<T>()   main → renderer, payload T; `snapshot: true` when a newer payload replaces an older one
//   notifyMain()          renderer → main, one-way, no arguments (the page saying it is ready)
// Main registers its handlers and sends its events from this object (main/ipc), preload builds window.countersign
// from it (preload/bridge.ts), the renderer is typed by it. Free of Node and Electron imports: preload bundles it.
import { z } from 'zod';
import type { CredentialPasswordIp, PairingCodeIssued, PermittedIp } from '../protocol/index.js';
import { CredentialCreate, CredentialUpdate } from '../protocol/credential.js';
import { DecisionKind } from '../protocol/decision.js';
import { DecisionScope, GrantCreate } from '../protocol/grant.js';
import { IpStatus, PermittedIpValue, RequestStatus } from '../protocol/primitives.js';
import { type Route, View, ViewParams } from './route.js';
import type {
  Account,
  AccountDevice,
  ApprovalClosed,
  CredentialLocked,
  DecideOutcome,
  DeviceEventEntry,
  DeviceNotice,
  LocalHistoryEntry,
  PendingApproval,
  PinStatus,
  Result,
  SessionRequestHistoryEntry,
  Settings,
  TotpCode,
} from './types.js';
import type { Grant, GrantRevokeOutcome, KeyGrants, NotMeOutcome, SessionsOpenedNotice } from './types.js';

const AccountId = z.string().min(1).max(64);
const CredentialId = z.number().int().positive();
const Uuid = z.uuid();
const DeviceId = z.number().int().positive();
const EventId = z.number().int().positive();

export const PairInput = z.strictObject({
  /** countersign://pair?server=…&code=… — or give server and code separately. */
  link: z.string().max(2048).optional(),
  server: z.string().max(2048).optional(),
  code: z.string().max(64).optional(),
  /** Shown to the server and in the device list; defaults to the host name. */
  deviceName: z.string().min(1).max(100).optional(),
});
export type PairInput = z.infer<typeof PairInput>;

export const DecideInput = z.strictObject({
  decision: DecisionKind,
  /** The code the program showed, as the owner typed it (1–8 digits; the request's code_length says how many). */
  bindingCode: z
    .string()
    .regex(/^[0-9]{1,8}$/, 'bindingCode is the code the program shows: 1 to 8 digits')
    .optional(),
  trustIp: z.boolean().optional(),
  deactivateCredential: z.boolean().optional(),
  /** APPROVE only: what the approval covers besides this session (a grant; protocol §7, §18). Signed with it. */
  scope: DecisionScope.optional(),
  /** APPROVE only: the app PIN, when one is set (user presence). Checked here, never sent to the server. */
  pin: z.string().min(4).max(64).optional(),
});
export type DecideInput = z.infer<typeof DecideInput>;

// --- App PIN (user presence before an approval) ---
const Pin = z
  .string()
  .min(4, 'The PIN must be 4 to 64 characters long.')
  .max(64, 'The PIN must be 4 to 64 characters long.');
export const PinSetInput = z.strictObject({
  pin: Pin,
  /** The PIN set now, when there is one: changing it needs it. */
  currentPin: Pin.optional(),
});
export type PinSetInput = z.infer<typeof PinSetInput>;
// --- end app PIN ---

export const LocalHistoryQuery = z.strictObject({
  accountId: AccountId.optional(),
  credentialId: CredentialId.optional(),
  status: RequestStatus.optional(),
  /** ISO timestamps bounding receivedAt. */
  since: z.iso.datetime().optional(),
  until: z.iso.datetime().optional(),
  limit: z.number().int().min(1).max(1000).optional(),
});
export type LocalHistoryQuery = z.infer<typeof LocalHistoryQuery>;

export const ServerHistoryQuery = z.strictObject({
  status: RequestStatus.optional(),
  credentialId: CredentialId.optional(),
  count: z.number().int().min(1).max(200).optional(),
});
export type ServerHistoryQuery = z.infer<typeof ServerHistoryQuery>;

export const DeviceEventQuery = z.strictObject({
  count: z.number().int().min(1).max(200).optional(),
  /** Only events older than this one (paging). */
  olderThan: z.number().int().positive().optional(),
});
export type DeviceEventQuery = z.infer<typeof DeviceEventQuery>;

// ——— Grants: arguments ———
const GrantId = z.number().int().positive();
export const GrantRevokeOptions = z.strictObject({
  /** Also end every open session the grant opened. */
  endSessions: z.boolean(),
});
export type GrantRevokeOptions = z.infer<typeof GrantRevokeOptions>;
export const GrantListOptions = z.strictObject({
  /** Every grant of the key (revoked, expired, used up too), not only the live ones. */
  all: z.boolean().optional(),
});
export type GrantListOptions = z.infer<typeof GrantListOptions>;
const SessionsNoticeId = z.string().min(1).max(200);

/** The grants channels, kept in their own block (spread into the schema below). */
const grantChannels = {
  /** The key's grants as the server lists them, newest first. */
  'grants:list': invoke<Grant[]>()(z.tuple([AccountId, CredentialId, GrantListOptions])),
  /** Every key's live grants as this desktop keeps them from the push stream. */
  'grants:active': invoke<KeyGrants[]>()(z.tuple([])),
  /** Pre-authorise: key X, the next N sessions and/or M minutes, from an installation, a network or anywhere. */
  'grants:create': invoke<Grant>()(z.tuple([AccountId, CredentialId, GrantCreate])),
  'grants:revoke': invoke<GrantRevokeOutcome>()(z.tuple([AccountId, CredentialId, GrantId, GrantRevokeOptions])),
  /** "This wasn't me": revoke the key's grants, deactivate it and end its sessions, in one call. */
  'grants:not-me': invoke<NotMeOutcome>()(z.tuple([AccountId, CredentialId])),
  'grants:changed': notifyRenderer<KeyGrants[]>({ snapshot: true }),
  /** The quiet notices of sessions that opened without asking, not dismissed yet, newest first. */
  'grants:notices': invoke<SessionsOpenedNotice[]>()(z.tuple([])),
  'grants:dismiss-notice': invoke<void>()(z.tuple([SessionsNoticeId])),
  'grants:notices-changed': notifyRenderer<SessionsOpenedNotice[]>({ snapshot: true }),
  /** Fire-once: a batch of sessions opened without asking (the shell posts the quiet notification). */
  'grants:sessions-opened': notifyRenderer<SessionsOpenedNotice>(),
} as const;

export interface InvokeSpec<A extends z.ZodTuple, R> {
  direction: 'renderer-to-main';
  args: A;
  /** Never read: carries R for the types. */
  result: R;
}
export interface NotifyRendererSpec<T> {
  direction: 'main-to-renderer';
  /** A payload that holds the whole current state: a newer one makes an undelivered older one worthless. */
  snapshot: boolean;
  /** Never read: carries T for the types. */
  payload: T;
}
export interface NotifyMainSpec {
  direction: 'renderer-to-main-notify';
}

/** Curried so that R is named while the argument schema's type is still inferred. */
function invoke<R>() {
  return <A extends z.ZodTuple>(args: A): InvokeSpec<A, R> => ({
    direction: 'renderer-to-main',
    args,
    result: undefined as unknown as R,
  });
}
function notifyRenderer<T>(options: { snapshot?: boolean } = {}): NotifyRendererSpec<T> {
  return { direction: 'main-to-renderer', snapshot: options.snapshot ?? false, payload: undefined as unknown as T };
}
function notifyMain(): NotifyMainSpec {
  return { direction: 'renderer-to-main-notify' };
}

export const ipcSchema = {
  'accounts:list': invoke<Account[]>()(z.tuple([])),
  'accounts:pair': invoke<Account>()(z.tuple([PairInput])),
  'accounts:remove': invoke<void>()(z.tuple([AccountId])),
  'accounts:invite': invoke<PairingCodeIssued>()(z.tuple([AccountId])),
  'accounts:changed': notifyRenderer<Account[]>({ snapshot: true }),

  /** The user's approver devices as the server lists them (this desktop's own marked). */
  'devices:list': invoke<AccountDevice[]>()(z.tuple([AccountId])),
  /** Removes another device of the account's user at the server; this desktop's own is refused (remove the account). */
  'devices:remove': invoke<void>()(z.tuple([AccountId, DeviceId])),
  /** The user's enrolment audit trail, newest first. */
  'devices:events': invoke<DeviceEventEntry[]>()(z.tuple([AccountId, DeviceEventQuery])),
  /** Enrolment notices not dismissed yet, newest first. */
  'devices:notices': invoke<DeviceNotice[]>()(z.tuple([])),
  'devices:dismiss-notice': invoke<void>()(z.tuple([AccountId, EventId])),
  'devices:notices-changed': notifyRenderer<DeviceNotice[]>({ snapshot: true }),
  /**
   * Fire-once: a device of the user was paired or removed (told on the push stream, each server event once, also
   * when the server sends it twice). The shell posts the desktop notification; views refresh their lists.
   */
  'devices:enrolment': notifyRenderer<DeviceNotice>(),

  'approvals:list': invoke<PendingApproval[]>()(z.tuple([])),
  'approvals:decide': invoke<DecideOutcome>()(z.tuple([AccountId, Uuid, DecideInput])),
  'approvals:changed': notifyRenderer<PendingApproval[]>({ snapshot: true }),
  /** Fire-once: a request left without a decision from here. Never dropped, also not while a window loads. */
  'approval:closed': notifyRenderer<ApprovalClosed>(),

  'keys:list': invoke<CredentialPasswordIp[]>()(z.tuple([AccountId])),
  'keys:create': invoke<CredentialPasswordIp>()(z.tuple([AccountId, CredentialCreate])),
  'keys:update': invoke<CredentialPasswordIp>()(z.tuple([AccountId, CredentialId, CredentialUpdate])),
  /** Fire-once: the server locked a key. */
  'credential:locked': notifyRenderer<CredentialLocked>(),
  'ips:list': invoke<PermittedIp[]>()(z.tuple([AccountId, CredentialId])),
  'ips:add': invoke<PermittedIp>()(z.tuple([AccountId, CredentialId, PermittedIpValue])),
  'ips:set-status': invoke<PermittedIp>()(z.tuple([AccountId, CredentialId, CredentialId, IpStatus])),

  'history:local': invoke<LocalHistoryEntry[]>()(z.tuple([LocalHistoryQuery])),
  'history:server': invoke<SessionRequestHistoryEntry[]>()(z.tuple([AccountId, ServerHistoryQuery])),

  /** The account's current TOTP code and its seconds left, computed locally (works offline). */
  'totp:current': invoke<TotpCode>()(z.tuple([AccountId])),

  // --- App PIN: an account-independent setting; Approve asks for it while one is set (Block never does). ---
  'pin:status': invoke<PinStatus>()(z.tuple([])),
  'pin:set': invoke<PinStatus>()(z.tuple([PinSetInput])),
  /** Removes the PIN; the current one must be given. */
  'pin:remove': invoke<PinStatus>()(z.tuple([Pin])),
  // --- end app PIN ---
  ...grantChannels,

  'app:open-window': invoke<void>()(z.tuple([View, ViewParams.omit({ uuid: true })])),
  'app:settings': invoke<Settings>()(z.tuple([])),
  'app:set-start-at-login': invoke<Settings>()(z.tuple([z.boolean()])),
  /** Show this route (a notification was clicked, or the tray asked for a key's IPs). */
  'app:navigate': notifyRenderer<Route>({ snapshot: true }),
  /**
   * The page has subscribed to its events: main delivers what it held back while the page loaded. Sent once per
   * page load, after the first render.
   */
  'app:ready': notifyMain(),
} as const;

type Schema = typeof ipcSchema;
type ChannelOf<D> = { [C in keyof Schema]: Schema[C] extends { direction: D } ? C : never }[keyof Schema];

export type InvokeChannel = ChannelOf<'renderer-to-main'>;
export type EventChannel = ChannelOf<'main-to-renderer'>;
export type NotifyMainChannel = ChannelOf<'renderer-to-main-notify'>;

type InvokeSpecOf<C extends InvokeChannel> = Extract<Schema[C], { direction: 'renderer-to-main' }>;
export type InvokeArgs<C extends InvokeChannel> = z.input<InvokeSpecOf<C>['args']>;
export type ParsedInvokeArgs<C extends InvokeChannel> = z.output<InvokeSpecOf<C>['args']>;
export type InvokeResult<C extends InvokeChannel> = InvokeSpecOf<C>['result'];
export type EventPayload<E extends EventChannel> = Extract<Schema[E], { direction: 'main-to-renderer' }>['payload'];
export type EventPayloads = { [E in EventChannel]: EventPayload<E> };

const channelsGoing = <C extends keyof Schema>(direction: Schema[keyof Schema]['direction']): C[] =>
  (Object.keys(ipcSchema) as (keyof Schema)[]).filter((name) => ipcSchema[name].direction === direction) as C[];

/** Every channel of each direction, read off the schema (never a list of their own). */
export const invokeChannels: readonly InvokeChannel[] = channelsGoing<InvokeChannel>('renderer-to-main');
export const eventChannels: readonly EventChannel[] = channelsGoing<EventChannel>('main-to-renderer');
export const notifyMainChannels: readonly NotifyMainChannel[] =
  channelsGoing<NotifyMainChannel>('renderer-to-main-notify');

const isChannelGoing = (name: unknown, direction: Schema[keyof Schema]['direction']): boolean =>
  typeof name === 'string' && Object.hasOwn(ipcSchema, name) && ipcSchema[name as keyof Schema].direction === direction;

export const isInvokeChannel = (name: unknown): name is InvokeChannel => isChannelGoing(name, 'renderer-to-main');
export const isEventChannel = (name: unknown): name is EventChannel => isChannelGoing(name, 'main-to-renderer');
export const isNotifyMainChannel = (name: unknown): name is NotifyMainChannel =>
  isChannelGoing(name, 'renderer-to-main-notify');

/** Whether a newer payload of this event replaces an older one that has not been delivered yet. */
export const isSnapshotEvent = (event: EventChannel): boolean => ipcSchema[event].snapshot;

/** What preload exposes as `window.countersign`. */
export interface CountersignBridge {
  invoke<C extends InvokeChannel>(channel: C, ...args: InvokeArgs<C>): Promise<Result<InvokeResult<C>>>;
  on<E extends EventChannel>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
  notify(channel: NotifyMainChannel): void;
}
