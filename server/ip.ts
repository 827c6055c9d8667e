// IP addresses in one canonical text form, so that "::1" and "0:0:0:0:0:0:0:1", or "::ffff:10.0.0.1" and
// "10.0.0.1", match when a requester's address is compared with a key's permitted IPs.
import { isIP } from 'node:net';

export function normalizeIp(ip: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(ip);
  if (mapped) return mapped[1]!;
  // The URL parser writes IPv6 hosts in their canonical compressed lower-case form.
  if (isIP(ip) === 6) return new URL(`http://[${ip}]/`).hostname.slice(1, -1);
  return ip;
}
