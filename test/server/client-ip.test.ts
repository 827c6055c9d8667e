// The proxy rule on its own, for the peers a loopback test server cannot have (IPv6 proxies, link-local peers,
// CIDRs of either family): the client is the first X-Forwarded-For entry, read from the right, that is not a
// trusted proxy. The same function serves every request (test/server/client-identity.test.ts drives it over HTTP).
import { describe, expect, it } from 'vitest';
import { chooseClient } from '../../server/http/client-ip.js';
import { NO_TRUSTED_PROXY, parseTrustProxy } from '../../server/http/trusted-proxies.js';
import { parseIp } from '../../server/ip.js';

const ipOf = (peer: string, header: string | undefined, trust: string | null) => {
  const choice = chooseClient(peer, header, trust === null ? NO_TRUSTED_PROXY : parseTrustProxy(trust));
  return choice.ok ? choice.identity.ip : `error: ${choice.message}`;
};

describe('chooseClient', () => {
  it('skips trusted IPv6 and IPv4 proxies (CIDRs of both families) from the right', () => {
    const trust = '2001:db8:a::/48,10.0.0.0/8';
    expect(ipOf('2001:db8:a::5', '2001:db8:ffff::1, 2001:db8:b::7, 10.1.2.3', trust)).toBe('2001:db8:b::7');
    expect(ipOf('2001:db8:a::5', '2001:DB8:B:0:0:0:0:7', trust)).toBe('2001:db8:b::7');
    expect(ipOf('2001:db8:c::5', '198.51.100.10', trust)).toBe('2001:db8:c::5');
  });

  it('matches an IPv4 proxy that connects as IPv4-mapped IPv6 (a dual-stack socket)', () => {
    expect(ipOf('::ffff:10.0.0.2', '198.51.100.10', '10.0.0.0/8')).toBe('198.51.100.10');
    expect(ipOf('::ffff:127.0.0.1', '198.51.100.10', '::ffff:127.0.0.1')).toBe('198.51.100.10');
  });

  it('drops the zone id of a link-local TCP peer (our own interface) but refuses one in the header', () => {
    expect(ipOf('fe80::1%eth0', undefined, null)).toBe('fe80::1');
    expect(ipOf('fe80::1%eth0', 'fe80::2%eth1', 'fe80::/10')).toMatch(
      /^error: X-Forwarded-For: "fe80::2%eth1" carries/,
    );
  });

  it('takes the peer when a trusted proxy sends no header, and the left-most when every entry is trusted', () => {
    expect(ipOf('10.0.0.2', undefined, '10.0.0.0/8')).toBe('10.0.0.2');
    expect(ipOf('10.0.0.2', ' ', '10.0.0.0/8')).toBe('10.0.0.2');
    expect(ipOf('10.0.0.2', '10.0.0.9, 10.0.0.3', '10.0.0.0/8')).toBe('10.0.0.9');
  });

  it('reads repeated X-Forwarded-For headers as one chain', () => {
    expect(chooseClient('10.0.0.2', ['198.51.100.10', '203.0.113.66'], parseTrustProxy('10.0.0.2'))).toEqual({
      ok: true,
      identity: { ip: '203.0.113.66', peerIsTrustedProxy: true },
    });
  });

  it('refuses a malformed entry it has to read, but not one left of the client', () => {
    expect(ipOf('10.0.0.2', 'garbage, 203.0.113.66', '10.0.0.2')).toBe('203.0.113.66');
    expect(ipOf('10.0.0.2', '203.0.113.66, garbage', '10.0.0.2')).toMatch(/^error: X-Forwarded-For: "garbage" is not/);
    expect(ipOf('10.0.0.2', `${'9'.repeat(200)}`, '10.0.0.2')).toMatch(/^error: X-Forwarded-For: "9{64}…" is not/);
  });
});

describe('parseIp', () => {
  it('writes every spelling of one address the same way', () => {
    for (const spelling of ['::ffff:1.2.3.4', '::FFFF:102:304', '0:0:0:0:0:ffff:0102:0304', '1.2.3.4']) {
      expect(parseIp(spelling)).toEqual({ ok: true, ip: '1.2.3.4' });
    }
    expect(parseIp('0:0:0:0:0:0:0:1')).toEqual({ ok: true, ip: '::1' });
    expect(parseIp('2001:DB8::0:1')).toEqual({ ok: true, ip: '2001:db8::1' });
  });

  it('refuses what is not one address', () => {
    for (const text of ['*', '', '1.2.3', '01.2.3.4', '1.2.3.4/32', '::g', 'localhost', 'fe80::1%eth0']) {
      expect(parseIp(text).ok, text).toBe(false);
    }
  });
});
