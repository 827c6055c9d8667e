// What a signature covers and who claims to have made it, read off a request's headers, method, path with query
// as sent, and raw body. The one place the signing headers are read; services get the parsed call.
import type { FastifyRequest } from 'fastify';
import { Header } from '../../protocol/index.js';
import type { SignedCall } from '../domain/signed-call.js';

function signedBy(request: FastifyRequest, signerHeader: string): SignedCall {
  const { headers } = request;
  return {
    signer: headers[signerHeader],
    timestamp: headers[Header.TIMESTAMP],
    signature: headers[Header.SIGNATURE],
    method: request.method,
    pathWithQuery: request.raw.url ?? request.url,
    body: request.rawBody,
  };
}

/** A device's call (the device's id in X-Countersign-Device). */
export const deviceCall = (request: FastifyRequest) => signedBy(request, Header.DEVICE);

/** A requester installation's call (X-Countersign-Installation), or an unsigned one when that header is absent. */
export const installationCall = (request: FastifyRequest) => signedBy(request, Header.INSTALLATION);
