// The signal a long-poll waits on: it fires when the requester hangs up or the server shuts down. One controller
// per request, listening on the app-lifetime shutdown signal only while the reply is open. AbortSignal.any would
// register every request's signal with the shutdown signal (a WeakRef each, cleared only by a finalizer later), so
// each status read left something behind in an object that lives as long as the server.
import type { ServerResponse } from 'node:http';

export function abortOnCloseOrShutdown(reply: ServerResponse, shutdown: AbortSignal): AbortSignal {
  const controller = new AbortController();
  if (shutdown.aborted || reply.closed || reply.destroyed) {
    controller.abort();
    return controller.signal;
  }
  const stop = () => controller.abort();
  shutdown.addEventListener('abort', stop, { once: true });
  reply.once('close', () => {
    shutdown.removeEventListener('abort', stop);
    controller.abort();
  });
  return controller.signal;
}
