// Which TCP peers may tell the server who the client is (X-Forwarded-For/-Proto/-Host): none (the default), the
// proxies listed by address or CIDR, or a fixed number of proxy hops in front of the server. Parsed once from
// --trust-proxy / COUNTERSIGN_TRUST_PROXY; a value that cannot be read is refused with a sentence that says why.
import { BlockList } from 'node:net';
import { parseIp } from '../ip.js';

export type TrustedProxies =
  | { kind: 'none' }
  /** Exactly this many proxies stand in front of the server; the TCP peer is the nearest. */
  | { kind: 'hops'; hops: number }
  /** Only these addresses are proxies; `text` is the list as given, for the startup line. */
  | { kind: 'list'; list: BlockList; text: string };

export const NO_TRUSTED_PROXY: TrustedProxies = { kind: 'none' };

export const MAX_PROXY_HOPS = 20;

/** What to pass, for a message about a missing or unreadable value. */
export const TRUST_PROXY_USAGE =
  'give the proxies in front of this server as addresses or CIDRs (e.g. --trust-proxy 127.0.0.1,10.0.0.0/8) or ' +
  'as a hop count (e.g. --trust-proxy 1)';

export class TrustProxyError extends Error {
  override readonly name = 'TrustProxyError';
}

/** "127.0.0.1,10.0.0.0/8,::1" or "2". Throws TrustProxyError with the reason. */
export function parseTrustProxy(text: string): TrustedProxies {
  const value = text.trim();
  if (value === '') throw new TrustProxyError(`--trust-proxy needs a value: ${TRUST_PROXY_USAGE}.`);
  if (/^[0-9]+$/.test(value)) {
    const hops = Number(value);
    if (hops < 1 || hops > MAX_PROXY_HOPS) {
      throw new TrustProxyError(
        `--trust-proxy: a hop count must be 1 to ${MAX_PROXY_HOPS} (got ${value}); leave the flag out to trust no proxy.`,
      );
    }
    return { kind: 'hops', hops };
  }
  const list = new BlockList();
  for (const item of value.split(',').map((part) => part.trim())) addProxy(list, item);
  return { kind: 'list', list, text: value };
}

function addProxy(list: BlockList, item: string): void {
  const [address = '', prefixText, ...rest] = item.split('/');
  const parsed = parseIp(address);
  if (item === '' || rest.length > 0 || !parsed.ok) {
    throw new TrustProxyError(`--trust-proxy: "${item}" is not an address or CIDR; ${TRUST_PROXY_USAGE}.`);
  }
  const family = parsed.ip.includes(':') ? 'ipv6' : 'ipv4';
  if (prefixText === undefined) {
    list.addAddress(parsed.ip, family);
    return;
  }
  const max = family === 'ipv6' ? 128 : 32;
  if (!/^[0-9]{1,3}$/.test(prefixText) || Number(prefixText) > max) {
    throw new TrustProxyError(`--trust-proxy: "${item}" needs a prefix length from 1 to ${max} after the "/".`);
  }
  if (Number(prefixText) === 0) {
    // Trusting every peer is the hole this flag exists to close: any client could name its own address.
    throw new TrustProxyError(
      `--trust-proxy: "${item}" would trust every address as a proxy, so any client could choose its own IP; ` +
        'list only your proxies.',
    );
  }
  list.addSubnet(parsed.ip, Number(prefixText), family);
}

/**
 * Whether the address at `hop` (0 = the TCP peer, 1 = the right-most X-Forwarded-For entry, …) is a trusted proxy,
 * so that the entry to its left may be believed. `address` is canonical (parseIp).
 */
export function isTrustedHop(trust: TrustedProxies, address: string, hop: number): boolean {
  if (trust.kind === 'none') return false;
  if (trust.kind === 'hops') return hop < trust.hops;
  return trust.list.check(address, address.includes(':') ? 'ipv6' : 'ipv4');
}
