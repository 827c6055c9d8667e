// Trust on first use for an account's server certificate: the SHA-256 fingerprint seen at pairing is pinned, and
// every later HTTPS request and WSS upgrade checks that the server still presents that very certificate (on top of
// the usual chain and host name checks). A different certificate stops the account: it may be a renewal, or
// someone in the middle, and the desktop cannot tell which — the user re-pairs once they know.
import { request as httpsRequest, Agent as HttpsAgent } from 'node:https';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type { CoreError } from './api.js';
import type { Fetch } from './http.js';
import { coreError } from './result.js';

/** Certificate authorities to trust instead of the system's (a private CA); unset means the system's. */
export interface TlsTrust {
  ca?: string | string[];
}

/** What the server presented when it was not the pinned certificate. */
export class CertificateChangedError extends Error {
  readonly coreError: CoreError;
  constructor(
    readonly host: string,
    readonly pinned: string,
    readonly presented: string,
  ) {
    const error = certificateChanged(host, pinned, presented);
    super(error.message);
    this.name = 'CertificateChangedError';
    this.coreError = error;
  }
}

export function certificateChanged(host: string, pinned: string, presented: string): CoreError {
  return coreError(
    'TLS_CERTIFICATE_CHANGED',
    `The server ${host} presents another TLS certificate than when this desktop was paired with it ` +
      `(paired with SHA-256 ${pinned}, now ${presented}). Countersign stopped this account: if the operator ` +
      'renewed the certificate, remove the account and pair again with a new pairing link; if not, someone may ' +
      'be intercepting the connection.',
  );
}

/** The tls checkServerIdentity for a pinned server: the usual host name check, then the fingerprint. */
export function pinnedIdentityCheck(pinned: string): (host: string, cert: PeerCertificate) => Error | undefined {
  return (host, cert) => {
    const usual = checkServerIdentity(host, cert);
    if (usual) return usual;
    if (cert.fingerprint256 !== pinned) return new CertificateChangedError(host, pinned, cert.fingerprint256);
    return undefined;
  };
}

/** The options a WebSocket (ws passes them on to https.request) needs to check the pin. */
export function pinnedTlsOptions(pinned: string, trust: TlsTrust) {
  return { checkServerIdentity: pinnedIdentityCheck(pinned), ...(trust.ca ? { ca: trust.ca } : {}) };
}

/** Statuses whose reply has no body (a Response refuses one). */
const NULL_BODY = new Set([101, 204, 205, 304]);

/**
 * A fetch for one pinned server, over node:https (whose TLS checks can be extended, unlike the global fetch's):
 * kept-alive connections, each checked once at its handshake. Only what the core's HTTP client uses: method,
 * headers, string body, abort signal.
 */
export function pinnedFetch(pinned: string, trust: TlsTrust = {}): Fetch {
  const agent = new HttpsAgent({ keepAlive: true, maxSockets: 4, ...pinnedTlsOptions(pinned, trust) });
  const pinnedFetchImpl = (input: string | URL | Request, init: RequestInit = {}): Promise<Response> =>
    new Promise((resolve, reject) => {
      const url = new URL(input instanceof Request ? input.url : input);
      if (url.protocol !== 'https:') {
        reject(new TypeError(`pinned fetch: only https:// (got ${url.protocol})`));
        return;
      }
      const headers = Object.fromEntries(new Headers(init.headers).entries());
      const req = httpsRequest(url, { method: init.method ?? 'GET', headers, agent, signal: init.signal ?? undefined });
      req.on('response', (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('error', reject);
        res.on('end', () => {
          const replyHeaders = new Headers();
          for (const [name, value] of Object.entries(res.headers)) {
            if (Array.isArray(value)) for (const item of value) replyHeaders.append(name, item);
            else if (value !== undefined) replyHeaders.set(name, value);
          }
          const status = res.statusCode ?? 0;
          resolve(
            new Response(NULL_BODY.has(status) ? null : Buffer.concat(chunks), { status, headers: replyHeaders }),
          );
        });
      });
      req.on('error', reject);
      if (typeof init.body === 'string') req.write(init.body);
      req.end();
    });
  return pinnedFetchImpl as Fetch;
}
