// The IPC contract between the Electron main process, the preload bridge and the React renderer: one file that
// names every channel, validates every argument (zod, at run time in main) and types every result.
// Main imports it to register and validate handlers, preload to expose `window.countersign`, the renderer for
// types only. Keep it free of Node and Electron imports: the preload bundle includes it.
import { z } from 'zod';
import type { Account, DecideOutcome, LocalHistoryEntry, PendingApproval, Result } from '../main/core/api.js';
import type {
  CredentialPasswordIp,
  PairingCodeIssued,
  PermittedIp,
  SessionRequestHistoryEntry,
} from '../protocol/index.js';
import { CredentialCreate, CredentialUpdate } from '../protocol/credential.js';
import { DecisionKind } from '../protocol/decision.js';
import { IpStatus, PermittedIpValue, RequestStatus } from '../protocol/primitives.js';

const AccountId = z.string().min(1).max(64);
const CredentialId = z.number().int().positive();
const Uuid = z.uuid();

/** Windows (views) of the app. Each is the same renderer bundle showing one view, chosen by the URL hash. */
export const View = z.enum(['approval', 'keys', 'ips', 'history', 'accounts']);
export type View = z.infer<typeof View>;

export interface Settings {
  startAtLogin: boolean;
  /** Shown in the Accounts view: the platform and app version. */
  platform: string;
  version: string;
}

/**
 * Declares one invoke channel: its result type R (given) and its argument tuple (validated in main, inferred).
 * Curried so that R can be named while the argument schema's type is still inferred.
 */
function channel<R>() {
  return <A extends z.ZodTuple>(args: A) => ({
    args,
    result: undefined as unknown as R,
  });
}

/**
 * Renderer → main request/response channels. Every handler answers Result<T>: errors cross as data, never as
 * thrown strings.
 */
export const invokeChannels = {
  'accounts:list': channel<Account[]>()(z.tuple([])),
  'accounts:pair': channel<Account>()(
    z.tuple([
      z.strictObject({
        link: z.string().max(2048).optional(),
        server: z.string().max(2048).optional(),
        code: z.string().max(64).optional(),
        deviceName: z.string().min(1).max(100).optional(),
      }),
    ]),
  ),
  'accounts:remove': channel<void>()(z.tuple([AccountId])),
  'accounts:invite': channel<PairingCodeIssued>()(z.tuple([AccountId])),

  'approvals:list': channel<PendingApproval[]>()(z.tuple([])),
  'approvals:decide': channel<DecideOutcome>()(
    z.tuple([
      AccountId,
      Uuid,
      z.strictObject({
        decision: DecisionKind,
        bindingCode: z
          .string()
          .regex(/^[0-9]{2}$/)
          .optional(),
        trustIp: z.boolean().optional(),
        deactivateCredential: z.boolean().optional(),
      }),
    ]),
  ),

  'keys:list': channel<CredentialPasswordIp[]>()(z.tuple([AccountId])),
  'keys:create': channel<CredentialPasswordIp>()(z.tuple([AccountId, CredentialCreate])),
  'keys:update': channel<CredentialPasswordIp>()(z.tuple([AccountId, CredentialId, CredentialUpdate])),
  'ips:list': channel<PermittedIp[]>()(z.tuple([AccountId, CredentialId])),
  'ips:add': channel<PermittedIp>()(z.tuple([AccountId, CredentialId, PermittedIpValue])),
  'ips:set-status': channel<PermittedIp>()(z.tuple([AccountId, CredentialId, CredentialId, IpStatus])),

  'history:local': channel<LocalHistoryEntry[]>()(
    z.tuple([
      z.strictObject({
        accountId: AccountId.optional(),
        credentialId: CredentialId.optional(),
        status: RequestStatus.optional(),
        since: z.iso.datetime().optional(),
        until: z.iso.datetime().optional(),
        limit: z.number().int().min(1).max(1000).optional(),
      }),
    ]),
  ),
  'history:server': channel<SessionRequestHistoryEntry[]>()(
    z.tuple([
      AccountId,
      z.strictObject({
        status: RequestStatus.optional(),
        credentialId: CredentialId.optional(),
        count: z.number().int().min(1).max(200).optional(),
      }),
    ]),
  ),

  /** The account's current TOTP code and its seconds left, computed locally (works offline). */
  'totp:current': channel<{ code: string; secondsLeft: number }>()(z.tuple([AccountId])),

  'app:open-window': channel<void>()(
    z.tuple([
      View,
      z.strictObject({
        accountId: AccountId.optional(),
        credentialId: CredentialId.optional(),
      }),
    ]),
  ),
  'app:settings': channel<Settings>()(z.tuple([])),
  'app:set-start-at-login': channel<Settings>()(z.tuple([z.boolean()])),
} as const;

export type InvokeChannel = keyof typeof invokeChannels;
export type InvokeArgs<C extends InvokeChannel> = z.input<(typeof invokeChannels)[C]['args']>;
export type InvokeResult<C extends InvokeChannel> = (typeof invokeChannels)[C]['result'];

/** Main → renderer events. */
export interface EventPayloads {
  'approvals:changed': PendingApproval[];
  'approval:closed': {
    accountId: string;
    uuid: string;
    status: z.infer<typeof RequestStatus>;
    by: 'elsewhere' | 'expiry';
  };
  'accounts:changed': Account[];
  'credential:locked': {
    accountId: string;
    credentialId: number;
    credentialName: string;
    reason: string;
  };
  /** Show this view with these parameters (e.g. a notification was clicked, or the tray asked for a key's IPs). */
  navigate: {
    view: View;
    accountId?: string;
    credentialId?: number;
    uuid?: string;
  };
}
export type EventChannel = keyof EventPayloads;
export const eventChannels = [
  'approvals:changed',
  'approval:closed',
  'accounts:changed',
  'credential:locked',
  'navigate',
] as const satisfies readonly EventChannel[];
// Compile-time check that the list above names every event exactly once.
type MissingEvents = Exclude<EventChannel, (typeof eventChannels)[number]>;
const _allEventsListed: MissingEvents extends never ? true : false = true;
void _allEventsListed;

/** What preload exposes as `window.countersign`. */
export interface CountersignBridge {
  invoke<C extends InvokeChannel>(channel: C, ...args: InvokeArgs<C>): Promise<Result<InvokeResult<C>>>;
  on<E extends EventChannel>(event: E, listener: (payload: EventPayloads[E]) => void): () => void;
}

/**
 * Whether a value is plain JSON-like data. Structured clone carries Dates, Maps, Sets, RegExps, ArrayBuffers and
 * Errors from the renderer, and zod's object schemas take each of them for an empty object; no argument of any
 * channel is one. Depth-limited, so that a deeply nested value is refused instead of overflowing the stack.
 */
function isPlainData(value: unknown, depth = 0): boolean {
  if (value === null || value === undefined) return true;
  const type = typeof value;
  if (type === 'string' || type === 'number' || type === 'boolean') return true;
  if (type !== 'object' || depth > 32) return false;
  if (Array.isArray(value)) return value.every((item) => isPlainData(item, depth + 1));
  const prototype = Object.getPrototypeOf(value);
  if (prototype !== Object.prototype && prototype !== null) return false;
  return Object.values(value as object).every((item) => isPlainData(item, depth + 1));
}

/** Validates arguments for a channel; the error message names what is wrong. */
export function parseArgs<C extends InvokeChannel>(
  channelName: C,
  args: unknown[],
): { ok: true; args: z.output<(typeof invokeChannels)[C]['args']> } | { ok: false; message: string } {
  if (!isPlainData(args)) {
    return { ok: false, message: 'arguments must be plain data (strings, numbers, booleans, arrays, plain objects)' };
  }
  const spec = invokeChannels[channelName];
  const parsed = spec.args.safeParse(args);
  if (parsed.success)
    return {
      ok: true,
      args: parsed.data as z.output<(typeof invokeChannels)[C]['args']>,
    };
  return { ok: false, message: z.prettifyError(parsed.error) };
}

export function isInvokeChannel(name: unknown): name is InvokeChannel {
  return typeof name === 'string' && Object.hasOwn(invokeChannels, name);
}
