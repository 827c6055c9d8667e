// Opening a session: POST /v1/session-server (which may itself wait a moment for the owner's decision), then —
// when the key asks its owner and the POST came back PENDING — long-poll the request until the owner decides, the
// request expires, the caller's timeout passes or the caller aborts. Each request carries a fresh
// X-Countersign-Claim: only this call can read it, and a token reply lost on the way to a status read (a dropped
// connection, a server killed between its commit and its reply) is collected again by the retry instead of being
// lost for good.
import { randomBytes } from 'node:crypto';
import {
  ErrorText,
  type Geolocation,
  Header,
  Limits,
  SessionServerOpened,
  SessionServerRequestRead,
  pick,
} from '../protocol/index.js';
import { CountersignError } from './errors.js';
import { type HttpReply, errorFromReply, parseReply, send } from './http.js';
import type { InstallationSigner } from './installation.js';
import { pause } from './pause.js';

export interface OpenSessionOptions {
  /** Base URL of the approval server. */
  server: string;
  apiKey: string;
  /** Shown to the key owner with the approval request (at most 200 printable characters). */
  description?: string;
  /** Shown to the key owner; defaults to this library's name. */
  userAgent?: string;
  /** Sent as X-Bunq-Geolocation ("lon lat alt radius country"); context for the owner, never checked. */
  geolocation?: Geolocation | string;
  /** Stop waiting for a decision after this many seconds (the server's request lifetime applies regardless). */
  timeoutSeconds?: number;
  signal?: AbortSignal;
  /** Called when the request is PENDING and after every poll, e.g. to show the code and the time left. */
  onProgress?: (progress: SessionProgress) => void;
  /** Local address to send from (tests use 127.0.0.2 as a second source IP). */
  localAddress?: string;
  /**
   * Send over plain http:// to a host that is not this machine. Off by default: the request is then refused
   * before anything is sent (CountersignError kind 'insecure-transport'), because the secrets it carries would
   * cross the network unencrypted. https:// and loopback http:// need no option.
   */
  insecureHttp?: boolean;
  /**
   * Offline fallback: the 6-digit code the key owner's desktop shows. For a key that allows it, a valid code opens
   * the session at once (no push); a wrong or used code is refused like a bad key (401).
   */
  totp?: string;
  /**
   * Sign the request and every status read as this requester installation (ensureInstallation makes one per
   * machine and key). The owner then sees which program asks, and may trust it for a while (a grant).
   */
  installation?: InstallationSigner | null;
}

export interface SessionProgress {
  status: 'PENDING';
  uuid: string;
  /**
   * The code to show the key's owner, who types it on their desktop to approve (as many digits as the key asks
   * for); null when the key asks for no code.
   */
  bindingCode: string | null;
  /**
   * Whether an approver device of the key's owner is online (its push stream open on the server) as of the last
   * reply; null when the server does not say (older servers). While false nobody is being asked.
   */
  approverOnline: boolean | null;
  /** How many identical attempts the server merged into this request (1: only this one). */
  repeatCount: number;
  /** When the server lets the request expire, on this machine's clock. */
  expiresAt: Date;
  /** When openSession stops waiting: the earlier of expiresAt and the caller's timeout. */
  deadline: Date;
  /** Set while the server cannot be reached and polling is being retried. */
  connectionProblem: CountersignError | null;
}

export type OpenSessionResult =
  | {
      status: 'ACCEPTED';
      token: string;
      /** Id of the session: DELETE /v1/session-server/{sessionId} ends it. */
      sessionId: number;
      tokenCreated: string;
      /**
       * The approval request's uuid; null when the session opened at once (ip-only or trusted IP) in the POST's
       * reply. (A POST sent again after a lost reply is answered as a status read, with the uuid.)
       */
      uuid: string | null;
      /** The code the owner had to type; null when none was asked (or the session opened at once). */
      code: string | null;
    }
  | { status: 'REJECTED'; uuid: string; code: string | null }
  | {
      status: 'EXPIRED';
      uuid: string;
      code: string | null;
      /** 'server': nobody decided within the request lifetime. 'timeout': the caller's timeoutSeconds ran out first. */
      reason: 'server' | 'timeout';
    };

const DEFAULT_USER_AGENT = `countersign-client (Countersign protocol v1; Node ${process.version}; ${process.platform})`;
/** How long past the server's expiry_time we keep asking before concluding the server will not answer. */
const EXPIRY_GRACE_MS = 10_000;
/** Extra silence allowed beyond a long-poll's wait before the exchange counts as lost. */
const REPLY_MARGIN_MS = 15_000;
/**
 * How long the POST itself may wait for the owner's decision (?wait=): an approval that comes this fast (an
 * automated approver, an owner at the desk) needs no status read at all. Kept short, because until the POST
 * answers the caller hears nothing (no uuid, no onProgress); the server answers at once anyway when a code must be
 * shown first or no approver is online.
 */
const POST_WAIT_SECONDS = 1;
/** Statuses a proxy or a restarting server answers with for a moment; polling retries them. */
const TRANSIENT_STATUSES = new Set([502, 503, 504]);

function geolocationHeader(geo: Geolocation | string): string {
  if (typeof geo === 'string') return geo;
  return [geo.longitude, geo.latitude, geo.altitude, geo.radius, geo.country ?? ''].join(' ').trim();
}

/**
 * The server's clock offset from its Date header. Only a skew above 2 s is corrected: the header has whole-second
 * resolution, so with synchronised clocks a "correction" would only add error.
 */
function clockOffsetMs(reply: HttpReply, receivedAt: number): number {
  const serverNow = Date.parse(String(reply.headers.date ?? ''));
  if (Number.isNaN(serverNow)) return 0;
  const offset = serverNow - receivedAt;
  return Math.abs(offset) > 2000 ? offset : 0;
}

/** What a server released before POST /v1/session-server took ?wait answers it with (any query is refused there). */
const OLDER_SERVER_REFUSAL = 'query: unknown field "wait"';

function refusesWait(reply: HttpReply): boolean {
  return reply.status === 400 && errorFromReply(reply).message === OLDER_SERVER_REFUSAL;
}

function isReplayRefusal(reply: HttpReply): boolean {
  return reply.status === 401 && errorFromReply(reply).message === ErrorText.REPLAYED;
}

/** How often the POST is sent in all when it gets no reply (or a 502, 503 or 504): 0.5 s, 1 s and 2 s apart. */
const POST_ATTEMPTS = 4;

/** Waits 0.5 s, 1 s, 2 s … up to 8 s between attempts while the server is unreachable. */
function backoffMs(failures: number): number {
  return Math.min(8000, 500 * 2 ** Math.max(0, failures - 1));
}

/**
 * The call's answer, sent again (up to `attempts` in all, with backoff) while it gets none or a 502, 503 or 504:
 * for calls that are safe to repeat. The last answer is returned whatever it is; any other error is thrown at once.
 */
async function sentUntilAnswered(
  call: () => Promise<HttpReply>,
  attempts: number,
  signal: AbortSignal | undefined,
): Promise<HttpReply> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      const answered = await call();
      if (TRANSIENT_STATUSES.has(answered.status) && attempt < attempts) throw errorFromReply(answered);
      return answered;
    } catch (error) {
      const transient = error instanceof CountersignError && (error.kind === 'network' || error.kind === 'http');
      if (!transient || attempt >= attempts) throw error;
      await pause(backoffMs(attempt), signal);
    }
  }
}

export async function openSession(options: OpenSessionOptions): Promise<OpenSessionResult> {
  options.signal?.throwIfAborted();
  const startedAt = Date.now();
  const headers: Record<string, string> = {
    'user-agent': options.userAgent ?? DEFAULT_USER_AGENT,
    [Header.CLAIM]: randomBytes(32).toString('base64url'),
  };
  if (options.geolocation !== undefined) headers[Header.GEOLOCATION] = geolocationHeader(options.geolocation);

  let postWait =
    options.timeoutSeconds === undefined
      ? POST_WAIT_SECONDS
      : Math.min(POST_WAIT_SECONDS, Math.floor(options.timeoutSeconds));
  const post = () =>
    send({
      server: options.server,
      method: 'POST',
      path: '/v1/session-server',
      ...(postWait > 0 ? { query: { wait: String(postWait) } } : {}),
      headers,
      body: {
        secret: options.apiKey,
        ...(options.description !== undefined ? { description: options.description } : {}),
        ...(options.totp !== undefined ? { totp: options.totp } : {}),
      },
      signal: options.signal,
      localAddress: options.localAddress,
      insecureHttp: options.insecureHttp,
      idleTimeoutMs: REPLY_MARGIN_MS,
      signer: options.installation,
    });
  // Ed25519 signatures are deterministic: two runs of the same job on one machine that sign the same POST in the
  // same millisecond make the same signature, and the server refuses the second as a replay — having done nothing
  // with it. Signed again a moment later (a new timestamp), it is a new request.
  const postSigned = async () => {
    let reply = await post();
    // A server from before the POST's wait refuses it, having done nothing: asked again without it, as it expects.
    if (postWait > 0 && refusesWait(reply)) {
      postWait = 0;
      reply = await post();
    }
    for (let retry = 0; retry < 3 && options.installation && isReplayRefusal(reply); retry += 1) {
      await pause(2 + Math.floor(Math.random() * 10), options.signal);
      reply = await post();
    }
    return reply;
  };
  // A POST that got no reply is sent again: it carries the same claim, so the server answers it with the request
  // the first one made (if it got that far), token included, instead of asking the owner a second time. Not with a
  // TOTP code: a code is good once, so its repeat would only be refused (and counted as a wrong code).
  const reply = await sentUntilAnswered(postSigned, options.totp === undefined ? POST_ATTEMPTS : 1, options.signal);
  const receivedAt = Date.now();

  if (reply.status === 200) {
    const opened = parseReply(reply, SessionServerOpened, 'POST /v1/session-server');
    const [id, token] = opened.Response;
    return {
      status: 'ACCEPTED',
      token: token.Token.token,
      sessionId: id.Id.id,
      tokenCreated: token.Token.created,
      uuid: null,
      code: null,
    };
  }
  if (reply.status !== 202) throw errorFromReply(reply);

  const asked = parseReply(reply, SessionServerRequestRead, 'POST /v1/session-server').Response;
  const pending = asked[0].SessionServerRequest;
  const code = pending.binding_code;
  const statusRead = (wait: number) =>
    send({
      server: options.server,
      method: 'GET',
      path: `/v1/session-server-request/${encodeURIComponent(pending.uuid)}`,
      query: { wait: String(wait) },
      headers: { ...headers, [Header.CLIENT_AUTHENTICATION]: options.apiKey },
      signal: options.signal,
      localAddress: options.localAddress,
      insecureHttp: options.insecureHttp,
      idleTimeoutMs: wait * 1000 + REPLY_MARGIN_MS,
      signer: options.installation,
    });
  // ACCEPTED, but the token went to another call of this claim: one this call replaced, which the server still
  // held (its reply is lost to us), or a read whose reply was lost. A read made now gets a fresh token, within a
  // minute of the hand-out and from the request's address (docs/PROTOCOL.md §2.2); one read that gets an answer is
  // enough, and one that gets none is sent again as a POST would be.
  const collected = async (read: SessionServerRequestRead['Response']) => {
    if (read[0].SessionServerRequest.status !== 'ACCEPTED' || pick(read, 'Token')) return read;
    const again = await sentUntilAnswered(() => statusRead(0), POST_ATTEMPTS, options.signal);
    if (again.status !== 200) throw errorFromReply(again);
    return parseReply(again, SessionServerRequestRead, 'GET /v1/session-server-request').Response;
  };
  // Decided while the POST waited.
  const decided = outcomeOf(await collected(asked), code, reply.status);
  if (decided) return decided;
  const offset = clockOffsetMs(reply, receivedAt);
  const expiresAt = Date.parse(pending.expiry_time) - offset;
  const timeoutAt =
    options.timeoutSeconds === undefined ? Number.POSITIVE_INFINITY : startedAt + options.timeoutSeconds * 1000;
  const waitUntil = Math.min(timeoutAt, expiresAt + EXPIRY_GRACE_MS);
  const pollIntervalMs = pending.poll_interval * 1000;

  let connectionProblem: CountersignError | null = null;
  let failures = 0;
  let approverOnline = pending.approver_online ?? null;
  let repeatCount = pending.repeat_count ?? 1;
  const report = () =>
    options.onProgress?.({
      status: 'PENDING',
      uuid: pending.uuid,
      bindingCode: code,
      approverOnline,
      repeatCount,
      expiresAt: new Date(expiresAt),
      deadline: new Date(Math.min(timeoutAt, expiresAt)),
      connectionProblem,
    });
  report();

  while (Date.now() < waitUntil) {
    options.signal?.throwIfAborted();
    const wait = Math.min(Limits.MAX_WAIT_SECONDS, Math.max(0, Math.ceil((waitUntil - Date.now()) / 1000)));
    const askedAt = Date.now();
    let poll: HttpReply;
    try {
      poll = await statusRead(wait);
      if (TRANSIENT_STATUSES.has(poll.status)) throw errorFromReply(poll);
    } catch (error) {
      const transient = error instanceof CountersignError && (error.kind === 'network' || error.kind === 'http');
      if (!transient) throw error;
      connectionProblem = error;
      failures += 1;
      report();
      await pause(Math.min(backoffMs(failures), Math.max(0, waitUntil - Date.now())), options.signal);
      continue;
    }
    if (poll.status !== 200) throw errorFromReply(poll);
    connectionProblem = null;
    failures = 0;

    const read = parseReply(poll, SessionServerRequestRead, 'GET /v1/session-server-request').Response;
    const request = read[0].SessionServerRequest;
    approverOnline = request.approver_online ?? approverOnline;
    repeatCount = request.repeat_count ?? repeatCount;
    const outcome = outcomeOf(await collected(read), code, poll.status);
    if (outcome) return outcome;
    report();
    // A server that answers at once instead of holding the poll must not be asked in a tight loop.
    const early = pollIntervalMs - (Date.now() - askedAt);
    if (early > 0) await pause(Math.min(early, Math.max(0, waitUntil - Date.now())), options.signal);
  }

  if (timeoutAt <= expiresAt + EXPIRY_GRACE_MS) {
    return { status: 'EXPIRED', uuid: pending.uuid, reason: 'timeout', code };
  }
  // Past the server's own expiry and still no final answer: unreachable (say why) or it never expired it.
  if (connectionProblem) throw connectionProblem;
  return { status: 'EXPIRED', uuid: pending.uuid, reason: 'server', code };
}

/** What a status reply in a final state means for the caller; null while the request is still PENDING. */
function outcomeOf(
  read: SessionServerRequestRead['Response'],
  code: string | null,
  httpStatus: number,
): OpenSessionResult | null {
  const request = read[0].SessionServerRequest;
  switch (request.status) {
    case 'ACCEPTED': {
      const id = pick(read, 'Id') as { id: number } | undefined;
      const token = pick(read, 'Token') as { token: string; created: string } | undefined;
      if (!id || !token) {
        throw new CountersignError(
          'The request was approved, but its session token was already handed out to an earlier read ' +
            '(tokens are handed out once). Either that reply was lost on the way here, or someone else holds ' +
            'this API key: if in doubt, deactivate the key.',
          { kind: 'token-delivered', status: httpStatus },
        );
      }
      return {
        status: 'ACCEPTED',
        token: token.token,
        sessionId: id.id,
        tokenCreated: token.created,
        uuid: request.uuid,
        code,
      };
    }
    case 'REJECTED':
      return { status: 'REJECTED', uuid: request.uuid, code };
    case 'EXPIRED':
      return { status: 'EXPIRED', uuid: request.uuid, reason: 'server', code };
    case 'PENDING':
      return null;
  }
}
