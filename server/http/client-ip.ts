// The requester's address as the server records and matches it: the TCP peer, unless the peer is a trusted proxy
// (--trust-proxy). Then X-Forwarded-For is read right to left, skipping only trusted hops: proxies that append
// ("client-written, real-peer") put the address they saw at the right, so the first entry that is not a trusted
// proxy is the client; anything to its left was written by the client and is never believed. The address chosen
// must be a real IPv4/IPv6 address (never "*", never a zone id): anything else is a 400, before any route runs.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { type ParsedIp, parseIp, peerIp } from '../ip.js';
import { ApiError } from './api-error.js';
import { isTrustedHop, type TrustedProxies } from './trusted-proxies.js';

export interface ClientIdentity {
  /** Canonical IPv4 or IPv6 text (IPv4-mapped IPv6 as IPv4). */
  ip: string;
  /** Whether the TCP peer is a trusted proxy, whose X-Forwarded-Proto/-Host are believed too. */
  peerIsTrustedProxy: boolean;
}

declare module 'fastify' {
  interface FastifyRequest {
    clientIdentity: ClientIdentity | null;
  }
}

export type ClientChoice = { ok: true; identity: ClientIdentity } | { ok: false; message: string };

/** The client of a connection from `remoteAddress` that carries this X-Forwarded-For (Node joins repeats with ","). */
export function chooseClient(
  remoteAddress: string | undefined,
  forwardedFor: string | string[] | undefined,
  trust: TrustedProxies,
): ClientChoice {
  const peer = peerIp(remoteAddress);
  if (peer === null) return { ok: false, message: 'The address of the connection could not be read.' };
  if (!isTrustedHop(trust, peer, 0)) return { ok: true, identity: { ip: peer, peerIsTrustedProxy: false } };
  const header = Array.isArray(forwardedFor) ? forwardedFor.join(',') : forwardedFor;
  const entries = header === undefined || header.trim() === '' ? [] : header.split(',').map((entry) => entry.trim());
  let ip = peer;
  for (let hop = 1; hop <= entries.length; hop += 1) {
    const entry = entries[entries.length - hop]!;
    const parsed = parseForwardedEntry(entry);
    if (!parsed.ok) return { ok: false, message: `X-Forwarded-For: ${quote(entry)} ${parsed.problem}.` };
    ip = parsed.ip;
    if (!isTrustedHop(trust, ip, hop)) break;
  }
  // Every entry a trusted proxy (or fewer entries than hops): the left-most one is the farthest address known.
  return { ok: true, identity: { ip, peerIsTrustedProxy: true } };
}

/** One entry: an address, or as some balancers write it with a port, "1.2.3.4:5678" / "[2001:db8::1]:5678". */
function parseForwardedEntry(entry: string): ParsedIp {
  const bracketed = /^\[([^\]]*)\](?::[0-9]{1,5})?$/.exec(entry);
  if (bracketed) return parseIp(bracketed[1]!);
  const withPort = /^([0-9]{1,3}(?:\.[0-9]{1,3}){3}):[0-9]{1,5}$/.exec(entry);
  return parseIp(withPort ? withPort[1]! : entry);
}

function quote(value: string): string {
  return JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
}

/** Works out every request's client once, when it arrives (the rate limits need it before the body is read). */
export function identifyClients(app: FastifyInstance, trust: TrustedProxies): void {
  app.decorateRequest('clientIdentity', null);
  app.addHook('onRequest', async (request) => {
    const choice = chooseClient(request.socket.remoteAddress, request.headers['x-forwarded-for'], trust);
    if (!choice.ok) throw new ApiError(400, choice.message);
    request.clientIdentity = choice.identity;
  });
}

function identity(request: FastifyRequest): ClientIdentity {
  // identifyClients() runs first for every request buildApp serves; without it this is a wiring bug.
  if (!request.clientIdentity) throw new Error('clientIp() before identifyClients() ran');
  return request.clientIdentity;
}

export function clientIp(request: FastifyRequest): string {
  return identity(request).ip;
}

const HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,252})|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?$/;

/**
 * The origin the requester used (for links the server hands out): from a trusted proxy its X-Forwarded-Proto and
 * X-Forwarded-Host (the right-most value, written by the proxy nearest us), else the connection and Host header.
 */
export function requestOrigin(request: FastifyRequest): string {
  const trusted = identity(request).peerIsTrustedProxy;
  const forwardedProto = trusted ? lastEntry(request.headers['x-forwarded-proto']) : undefined;
  const forwardedHost = trusted ? lastEntry(request.headers['x-forwarded-host']) : undefined;
  const protocol = forwardedProto?.toLowerCase() ?? request.protocol;
  if (protocol !== 'http' && protocol !== 'https') {
    throw new ApiError(400, `X-Forwarded-Proto: ${quote(forwardedProto ?? protocol)} must be http or https.`);
  }
  const host = forwardedHost ?? request.host ?? '';
  if (!HOST.test(host)) {
    const header = forwardedHost === undefined ? 'Host' : 'X-Forwarded-Host';
    throw new ApiError(400, `${header}: ${quote(host)} is not a host name or address.`);
  }
  return `${protocol}://${host}`;
}

function lastEntry(value: string | string[] | undefined): string | undefined {
  const text = Array.isArray(value) ? value.join(',') : value;
  if (text === undefined || text.trim() === '') return undefined;
  return text.split(',').at(-1)!.trim();
}
