// Which hosts are this machine: the one place that decides where plain http:// may go. An API key, a device
// signature or an approval prompt sent unencrypted to another host can be read (and held back) by anyone on the
// path, so the requester client and the desktop approver both send plain http:// only to loopback.
// Pure string logic, no Node APIs: the same rule wherever protocol/ is imported.
import { isIpAddress } from './primitives.js';

export type LoopbackHost =
  /** 127.0.0.0/8, ::1, or an IPv4-mapped 127.x address: packets to it never leave the machine. */
  | 'address'
  /** localhost or a name under .localhost: loopback by definition (RFC 6761), but a resolver decides what it is. */
  | 'name';

/** The eight 16-bit groups of an IPv6 address (embedded IPv4 tail included), or null when it is not one. */
function ipv6Groups(address: string): number[] | null {
  if (!address.includes(':') || !isIpAddress(address)) return null;
  let text = address.toLowerCase();
  const tail = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (tail) {
    const [a, b, c, d] = tail.slice(1).map(Number) as [number, number, number, number];
    text = `${text.slice(0, tail.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head = '', rest] = text.split('::') as [string, string | undefined];
  const part = (h: string) => (h === '' ? [] : h.split(':').map((g) => Number.parseInt(g, 16)));
  const front = part(head);
  if (rest === undefined) return front;
  const back = part(rest);
  return [...front, ...Array<number>(8 - front.length - back.length).fill(0), ...back];
}

/**
 * Whether a URL's hostname (brackets allowed, as URL.hostname gives IPv6) or a resolved address is this machine.
 * null: another host, or not a host at all.
 */
export function loopbackHost(hostname: string): LoopbackHost | null {
  const host = hostname
    .replace(/^\[(.*)\]$/, '$1')
    .replace(/\.$/, '')
    .toLowerCase();
  if (host === 'localhost' || host.endsWith('.localhost')) return 'name';
  if (!host.includes(':')) return isIpAddress(host) && host.startsWith('127.') ? 'address' : null;
  const groups = ipv6Groups(host);
  if (!groups) return null;
  const zeros = (n: number) => groups.slice(0, n).every((g) => g === 0);
  if (zeros(7) && groups[7] === 1) return 'address';
  // ::ffff:127.x.y.z, however it is spelled (URL writes it ::ffff:7f00:1).
  if (zeros(5) && groups[5] === 0xffff && (groups[6] ?? 0) >> 8 === 127) return 'address';
  return null;
}

/** True when hostname is loopback, by address or by name. */
export function isLoopbackHost(hostname: string): boolean {
  return loopbackHost(hostname) !== null;
}
