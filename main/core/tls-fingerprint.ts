// Reads the SHA-256 fingerprint of a server's TLS certificate, so the user can compare it with the one the
// operator publishes when pairing (and so the account keeps a record of which certificate it was paired with).
import { type ConnectionOptions, connect } from 'node:tls';
import type { Result } from './api.js';
import { fail, ok } from './result.js';

const TIMEOUT_MS = 10_000;

/** Colon-separated upper-case hex, as browsers and `openssl x509 -fingerprint -sha256` show it. */
export function certificateFingerprint(
  serverUrl: string,
  extra: Pick<ConnectionOptions, 'ca'> = {},
): Promise<Result<string>> {
  const url = new URL(serverUrl);
  const host = url.hostname.replace(/^\[|\]$/g, '');
  const port = Number(url.port || 443);
  return new Promise((resolve) => {
    const socket = connect({
      host,
      port,
      // SNI only takes host names, not IP literals.
      servername: /^[\d.]+$|:/.test(host) ? undefined : host,
      ALPNProtocols: ['http/1.1'],
      ...extra,
    });
    const finish = (result: Result<string>) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(TIMEOUT_MS, () =>
      finish(fail('NETWORK', `No TLS handshake with ${url.host} within ${TIMEOUT_MS / 1000} s.`)),
    );
    socket.once('secureConnect', () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      finish(fingerprint ? ok(fingerprint) : fail('NETWORK', `${url.host} presented no certificate.`));
    });
    socket.once('error', (error) =>
      finish(fail('NETWORK', `Cannot check the TLS certificate of ${url.host}: ${error.message}`)),
    );
  });
}
