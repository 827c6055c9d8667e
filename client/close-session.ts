// Ending a session early: DELETE /v1/session-server/{id}, authenticated by the session's own token.
import { z } from 'zod';
import { Header } from '../protocol/index.js';
import { errorFromReply, parseReply, send } from './http.js';

export interface CloseSessionOptions {
  server: string;
  /** The session token openSession returned. */
  token: string;
  /** The sessionId openSession returned. */
  sessionId: number;
  signal?: AbortSignal;
  localAddress?: string;
  /**
   * Send over plain http:// to a host that is not this machine. Off by default: the request is then refused
   * before anything is sent (CountersignError kind 'insecure-transport'), because the secrets it carries would
   * cross the network unencrypted. https:// and loopback http:// need no option.
   */
  insecureHttp?: boolean;
}

/** Any success envelope: the reply to DELETE carries nothing the caller needs. */
const Ended = z.object({ Response: z.array(z.unknown()) });

export async function closeSession(options: CloseSessionOptions): Promise<void> {
  const reply = await send({
    server: options.server,
    method: 'DELETE',
    path: `/v1/session-server/${encodeURIComponent(String(options.sessionId))}`,
    headers: { [Header.CLIENT_AUTHENTICATION]: options.token },
    signal: options.signal,
    localAddress: options.localAddress,
    insecureHttp: options.insecureHttp,
    idleTimeoutMs: 15_000,
  });
  if (reply.status !== 200) throw errorFromReply(reply);
  parseReply(reply, Ended, 'DELETE /v1/session-server');
}
