// The signal a long-poll waits on: it fires when the requester hangs up or the server shuts down. One controller
// per request, listening on the app-lifetime shutdown signal only while the reply is open. AbortSignal.any would
// register every request's signal with the shutdown signal (a WeakRef each, cleared only by a finalizer later), so
// each status read left something behind in an object that lives as long as the server.
import type { ServerResponse } from 'node:http';

// Every status read's reply closes, so every one aborts its controller: with one reason made once, not the
// DOMException that abort() makes (and captures a stack for) each time.
const REPLY_DONE = new DOMException('The reply closed or the server is shutting down.', 'AbortError');

export function abortOnCloseOrShutdown(reply: ServerResponse, shutdown: AbortSignal): AbortSignal {
  const controller = new AbortController();
  if (shutdown.aborted || reply.closed || reply.destroyed) {
    controller.abort(REPLY_DONE);
    return controller.signal;
  }
  const stop = () => controller.abort(REPLY_DONE);
  shutdown.addEventListener('abort', stop, { once: true });
  reply.once('close', () => {
    shutdown.removeEventListener('abort', stop);
    controller.abort(REPLY_DONE);
  });
  return controller.signal;
}
