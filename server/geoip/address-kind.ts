// What kind of address a requester came from, before any database is asked: a database knows nothing useful about
// a private, loopback or link-local address, and the owner should read that it is one, not "unknown location".
import { BlockList, isIP } from 'node:net';

/**
 * public: routable on the Internet (looked up); private: RFC 1918, shared CGNAT space, IPv6 unique local;
 * loopback; link-local; unknown: not an address, or one of the special-purpose ranges that no Internet host has
 * (unspecified, documentation, benchmarking, multicast, reserved).
 */
export type AddressKind = 'public' | 'private' | 'loopback' | 'link-local' | 'unknown';

function list(entries: [string, number, 'ipv4' | 'ipv6'][]): BlockList {
  const blocks = new BlockList();
  for (const [network, prefix, family] of entries) blocks.addSubnet(network, prefix, family);
  return blocks;
}

const LOOPBACK = list([
  ['127.0.0.0', 8, 'ipv4'],
  ['::1', 128, 'ipv6'],
]);
const PRIVATE = list([
  ['10.0.0.0', 8, 'ipv4'],
  ['172.16.0.0', 12, 'ipv4'],
  ['192.168.0.0', 16, 'ipv4'],
  ['100.64.0.0', 10, 'ipv4'],
  ['fc00::', 7, 'ipv6'],
]);
const LINK_LOCAL = list([
  ['169.254.0.0', 16, 'ipv4'],
  ['fe80::', 10, 'ipv6'],
]);
const SPECIAL = list([
  ['0.0.0.0', 8, 'ipv4'],
  ['192.0.0.0', 24, 'ipv4'],
  ['192.0.2.0', 24, 'ipv4'],
  ['198.18.0.0', 15, 'ipv4'],
  ['198.51.100.0', 24, 'ipv4'],
  ['203.0.113.0', 24, 'ipv4'],
  ['224.0.0.0', 4, 'ipv4'],
  ['240.0.0.0', 4, 'ipv4'],
  ['::', 128, 'ipv6'],
  ['2001:db8::', 32, 'ipv6'],
  ['ff00::', 8, 'ipv6'],
]);

/** The kind of a canonical address (server/ip.ts: IPv4-mapped IPv6 already written as IPv4). */
export function addressKind(ip: string): AddressKind {
  const version = isIP(ip);
  if (version === 0) return 'unknown';
  const family = version === 4 ? 'ipv4' : 'ipv6';
  if (LOOPBACK.check(ip, family)) return 'loopback';
  if (PRIVATE.check(ip, family)) return 'private';
  if (LINK_LOCAL.check(ip, family)) return 'link-local';
  if (SPECIAL.check(ip, family)) return 'unknown';
  return 'public';
}
