// Token introspection for the API that consumes sessions (RFC 7662 in spirit): is this token a live session?
import { IntrospectResult } from '../protocol/index.js';
import { errorFromReply, parseReply, send } from './http.js';

export interface IntrospectOptions {
  server: string;
  /** The operator's --introspection-secret / COUNTERSIGN_INTROSPECTION_SECRET. */
  introspectionSecret: string;
  token: string;
  signal?: AbortSignal;
  localAddress?: string;
  /**
   * Send over plain http:// to a host that is not this machine. Off by default: the request is then refused
   * before anything is sent (CountersignError kind 'insecure-transport'), because the secrets it carries would
   * cross the network unencrypted. https:// and loopback http:// need no option.
   */
  insecureHttp?: boolean;
}

/** {active:true, user_id, credential_id, ip, created, expires} for a live session, {active:false} otherwise. */
export async function introspect(options: IntrospectOptions): Promise<IntrospectResult> {
  const reply = await send({
    server: options.server,
    method: 'POST',
    path: '/v1/session-server/introspect',
    headers: { authorization: `Bearer ${options.introspectionSecret}` },
    body: { token: options.token },
    signal: options.signal,
    localAddress: options.localAddress,
    insecureHttp: options.insecureHttp,
    idleTimeoutMs: 15_000,
  });
  if (reply.status !== 200) throw errorFromReply(reply);
  return parseReply(reply, IntrospectResult, 'POST /v1/session-server/introspect');
}
