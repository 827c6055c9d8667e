// DNS rebinding: a web page on attacker.example whose name is made to resolve to 127.0.0.1 can make the owner's
// browser talk to a server that listens on loopback only, as if it were the page's own origin. The browser still
// sends `Host: attacker.example`, which a page cannot change. So a server bound to a loopback address answers only
// requests whose Host is a loopback name or address. (A reverse proxy on the same machine keeps nginx's default
// Host, the upstream's address, and passes the public name in X-Forwarded-Host.)
import type { FastifyInstance } from 'fastify';
import { parseIp } from '../ip.js';
import { ApiError } from './api-error.js';

/** localhost, 127.0.0.0/8 and ::1 (IPv4-mapped spellings included). */
export function isLoopbackName(host: string): boolean {
  const name = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  if (name === 'localhost') return true;
  const parsed = parseIp(name);
  return parsed.ok && (parsed.ip === '::1' || /^127\./.test(parsed.ip));
}

/** The host part of a Host header ("127.0.0.1:8787", "[::1]:8787", "localhost"), or null if it is not host[:port]. */
function hostPart(header: string): string | null {
  const match = /^(\[[^\]]*\]|[^:[\]/?#@]*)(?::[0-9]{0,5})?$/.exec(header);
  return match ? match[1]! : null;
}

export function refuseForeignHosts(app: FastifyInstance, listenHost: string): void {
  if (!isLoopbackName(listenHost)) return;
  app.addHook('onRequest', async (request) => {
    const header = request.headers.host;
    // HTTP/1.0 may leave Host out (requireHost() refuses that in HTTP/1.1); browsers always send it.
    if (header === undefined) return;
    const host = hostPart(header);
    if (host === null || !isLoopbackName(host)) {
      throw new ApiError(
        421,
        `This server listens on loopback only and answers only requests for localhost, 127.0.0.1 or [::1]; ` +
          `Host ${JSON.stringify(header.slice(0, 100))} is none of them.`,
      );
    }
  });
}
