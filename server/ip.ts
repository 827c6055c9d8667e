// IP addresses in one canonical text form, so that "::1" and "0:0:0:0:0:0:0:1", or "::ffff:10.0.0.1",
// "::ffff:a00:1" and "10.0.0.1", match when a requester's address is compared with a key's permitted IPs. And the
// one check that an address from outside (a socket, a proxy header) is an address at all.
import { isIP } from 'node:net';

export type ParsedIp = { ok: true; ip: string } | { ok: false; problem: string };

// After the URL parser's canonical form, every IPv4-mapped spelling (::ffff:1.2.3.4, 0:0:0:0:0:FFFF:0102:0304, …)
// reads ::ffff:HHHH:HHHH.
const MAPPED = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/;

/** A literal IPv4 or IPv6 address in canonical form; a zone id ("fe80::1%eth0") is refused, not dropped. */
export function parseIp(text: string): ParsedIp {
  if (text.includes('%')) {
    return { ok: false, problem: 'carries an IPv6 zone id (the "%…" part); give the address without it' };
  }
  const kind = isIP(text);
  if (kind === 4) return { ok: true, ip: text };
  if (kind !== 6) return { ok: false, problem: 'is not an IPv4 or IPv6 address' };
  // The URL parser writes IPv6 hosts in their canonical compressed lower-case form.
  const canonical = new URL(`http://[${text}]/`).hostname.slice(1, -1);
  const mapped = MAPPED.exec(canonical);
  if (!mapped) return { ok: true, ip: canonical };
  const word = (hex: string) => Number.parseInt(hex, 16);
  const [high, low] = [word(mapped[1]!), word(mapped[2]!)];
  return { ok: true, ip: [high >> 8, high & 0xff, low >> 8, low & 0xff].join('.') };
}

/** An address already checked (by the protocol's schema) in canonical form; "*" (any address) stays "*". */
export function normalizeIp(ip: string): string {
  const parsed = parseIp(ip);
  return parsed.ok ? parsed.ip : ip;
}

/** The TCP peer as the server records it: a link-local peer's zone id names our own interface, so it is dropped. */
export function peerIp(remoteAddress: string | undefined): string | null {
  if (remoteAddress === undefined) return null;
  const parsed = parseIp(remoteAddress.replace(/%.*$/, ''));
  return parsed.ok ? parsed.ip : null;
}
