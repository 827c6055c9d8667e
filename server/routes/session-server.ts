// The requester's side: open a session with an API key; and the consuming API's side: introspect a session token,
// end a session.
import { z } from 'zod';
import {
  Header,
  IdParam,
  IntrospectBody,
  IntrospectResult,
  parseGeolocation,
  SessionServerCreate,
  SessionServerOpened,
  SessionServerRequestRead,
  WaitQuery,
} from '../../protocol/index.js';
import { claimHashOf } from '../http/claim.js';
import { clientIp } from '../http/client-ip.js';
import { abortOnCloseOrShutdown } from '../http/request-signal.js';
import type { Router } from '../http/router.js';
import { installationCall } from '../http/signed-call.js';
import { iso, statusReadItems } from '../views/wire.js';
import type { Services } from '../services/index.js';

const EmptyResponse = z.object({ Response: z.tuple([]) });

function header(value: string | string[] | undefined): string | undefined {
  return typeof value === 'string' ? value : undefined;
}

export function sessionServerRoutes(router: Router, services: Services, shutdown: AbortSignal): void {
  router.route({
    method: 'POST',
    url: '/v1/session-server',
    operationId: 'openSession',
    summary:
      'Open a session with an API key: 200 at once, or 202 while the key owner is asked; ?wait=N holds the 202 ' +
      'until the owner decides.',
    auth: 'requester',
    query: WaitQuery,
    body: SessionServerCreate,
    responses: { 200: SessionServerOpened, 202: SessionServerRequestRead },
    handler: async ({ body, query, request, reply, withStatus }) => {
      const ip = clientIp(request);
      // A signed request: the installation must be the key's and its signature good, before anything happens.
      const installation = await services.installations.authenticateFor(installationCall(request), body.secret);
      const attempt = {
        installationId: installation?.id ?? null,
        secret: body.secret,
        description: body.description ?? null,
        ip,
        userAgent: header(request.headers[Header.USER_AGENT])?.slice(0, 500) ?? null,
        geolocation: parseGeolocation(header(request.headers[Header.GEOLOCATION])),
        claimHash: claimHashOf(request),
        observed: services.observer.observe(ip),
      };
      const outcome =
        body.totp === undefined
          ? await services.approvals.attempt(attempt)
          : { kind: 'opened' as const, ...(await services.codes.attempt(attempt, body.totp)) };
      if (outcome.kind === 'asked') {
        const asked = outcome.request;
        const online = await services.approvals.approverOnline(asked.userId);
        // Held only when the owner can decide without the requester: a device is online to be asked, and no code
        // has to reach the requester's user before the owner can type it.
        const wait = online && asked.bindingCode === null ? (query.wait ?? 0) : 0;
        // A PENDING request told at once needs nothing more; any other (waited for, or the claim's earlier request,
        // decided or not) is answered as a status read: its token handed out, or handed out again, as that would.
        if (wait === 0 && asked.status === 'PENDING' && !outcome.repeated) {
          return withStatus(202, { Response: statusReadItems(asked, online, null) });
        }
        const stop = abortOnCloseOrShutdown(reply.raw, shutdown);
        const read = await services.approvals.awaitOutcome(asked, ip, wait, stop);
        const onlineNow = wait === 0 ? online : await services.approvals.approverOnline(asked.userId);
        return withStatus(202, { Response: statusReadItems(read.request, onlineNow, read.opened) });
      }
      const { session, token, credential } = outcome;
      return {
        Response: [
          { Id: { id: session.id } },
          { Token: { id: session.id, created: iso(session.created), updated: iso(session.created), token } },
          { UserApiKey: { id: credential.id, display_name: credential.name, credential_id: credential.id } },
        ],
      };
    },
  });

  router.route({
    method: 'POST',
    url: '/v1/session-server/introspect',
    operationId: 'introspectSession',
    summary: 'For the API that consumes sessions: is this session token live? (RFC 7662 style, no envelope)',
    auth: 'introspection-secret',
    body: IntrospectBody,
    responses: { 200: IntrospectResult },
    handler: async ({ body, request }) => {
      const bearer = /^Bearer (.+)$/.exec(header(request.headers.authorization) ?? '');
      return services.sessions.introspect(bearer?.[1] ?? null, body.token);
    },
  });

  router.route({
    method: 'DELETE',
    url: '/v1/session-server/:id',
    operationId: 'closeSession',
    summary: 'End a session, authenticated by its own session token.',
    auth: 'session-token',
    params: z.object({ id: IdParam }),
    responses: { 200: EmptyResponse },
    handler: async ({ params, request }) => {
      await services.sessions.end(params.id, header(request.headers[Header.CLIENT_AUTHENTICATION]));
      return { Response: [] };
    },
  });
}
