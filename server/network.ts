// Networks for grants: the /24 (IPv4) or /64 (IPv6) a request came from, a network the owner typed checked and
// written in one canonical form, and whether an address lies in one.
import { BlockList, isIPv4 } from 'node:net';
import { parseIp } from './ip.js';

export type ParsedNetwork = { ok: true; network: string } | { ok: false; problem: string };

const PROBLEM =
  'must be an IPv4 network with a prefix from 8 to 32 or an IPv6 network with a prefix from 32 to 128, e.g. 203.0.113.0/24 or 2001:db8:1:2::/64';

function ipv4ToInt(ip: string): number {
  return ip.split('.').reduce((n, part) => n * 256 + Number(part), 0);
}

function intToIpv4(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

function ipv6ToBigInt(ip: string): bigint {
  const [head = '', tail] = ip.split('::');
  const parts = (text: string) => (text === '' ? [] : text.split(':'));
  const h = parts(head);
  const t = tail === undefined ? [] : parts(tail);
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((n, group) => (n << 16n) + BigInt(Number.parseInt(group, 16)), 0n);
}

function bigIntToIpv6(n: bigint): string {
  const groups: string[] = [];
  for (let i = 7; i >= 0; i -= 1) groups.push(((n >> BigInt(i * 16)) & 0xffffn).toString(16));
  // The URL parser writes the canonical compressed form (as parseIp does for addresses).
  return new URL(`http://[${groups.join(':')}]/`).hostname.slice(1, -1);
}

/** The network of `prefix` bits that holds the (canonical) address. */
function networkOfPrefix(ip: string, prefix: number): string {
  if (isIPv4(ip)) {
    const mask = prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
    return `${intToIpv4((ipv4ToInt(ip) & mask) >>> 0)}/${prefix}`;
  }
  const mask = ((1n << 128n) - 1n) ^ ((1n << BigInt(128 - prefix)) - 1n);
  return `${bigIntToIpv6(ipv6ToBigInt(ip) & mask)}/${prefix}`;
}

/** The network a network grant made with a decision covers: /24 for IPv4, /64 for IPv6. */
export function requestNetwork(ip: string): string {
  return networkOfPrefix(ip, isIPv4(ip) ? 24 : 64);
}

/** A network the owner gave: canonical address part, no host bits set. */
export function parseNetwork(text: string): ParsedNetwork {
  const match = /^([^/]+)\/([0-9]{1,3})$/.exec(text);
  if (!match) return { ok: false, problem: PROBLEM };
  const address = parseIp(match[1]!);
  const prefix = Number(match[2]);
  if (!address.ok) return { ok: false, problem: PROBLEM };
  const v4 = isIPv4(address.ip);
  if (v4 ? prefix < 8 || prefix > 32 : prefix < 32 || prefix > 128) return { ok: false, problem: PROBLEM };
  const network = networkOfPrefix(address.ip, prefix);
  if (network !== `${address.ip}/${prefix}`) {
    return { ok: false, problem: `has host bits set: the network of ${text} is ${network}` };
  }
  return { ok: true, network };
}

/** Whether the (canonical) address lies in the (canonical) network. */
export function inNetwork(ip: string, network: string): boolean {
  const [address, prefix] = network.split('/') as [string, string];
  const list = new BlockList();
  const type = isIPv4(address) ? 'ipv4' : 'ipv6';
  list.addSubnet(address, Number(prefix), type);
  return isIPv4(ip) === (type === 'ipv4') && list.check(ip, type);
}
