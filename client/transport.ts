// Where the requester may talk plain http://: only to this machine, unless the caller says otherwise. Every
// exchange carries a secret (the API key, a TOTP code, a session token, the introspection secret), and over
// plain http:// to another host anyone on the path can read it and replay it.
import { type LookupAddress, lookup as dnsLookup } from 'node:dns';
import type { LookupFunction } from 'node:net';
import { loopbackHost } from '../protocol/index.js';
import { CountersignError } from './errors.js';

const ADVICE =
  "Use the server's https:// address, or allow plain http:// for a network you control " +
  '(countersign-session --insecure-http; library option insecureHttp: true).';

function refused(why: string): CountersignError {
  return new CountersignError(
    `Refusing plain http:// ${why}: the API key would cross the network unencrypted. ${ADVICE}`,
    {
      kind: 'insecure-transport',
    },
  );
}

/**
 * Checks the server URL before anything is sent. Throws for plain http:// to another host; for a loopback name
 * (localhost, *.localhost) returns the lookup to connect with, which lets the connection go ahead only when the name
 * resolves to loopback addresses (a resolver may answer anything for a name).
 */
export function plainHttpGuard(url: URL, insecureHttp: boolean): LookupFunction | undefined {
  if (url.protocol !== 'http:' || insecureHttp) return undefined;
  const kind = loopbackHost(url.hostname);
  if (kind === null) throw refused(`to ${url.hostname}, which is not this machine`);
  return kind === 'name' ? loopbackOnlyLookup : undefined;
}

const loopbackOnlyLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) {
      callback(error, '', 0);
      return;
    }
    const outside = addresses.find((entry) => loopbackHost(entry.address) !== 'address');
    const first = addresses[0];
    if (outside || !first) {
      callback(
        refused(`to ${hostname}: it resolves to ${outside?.address ?? 'no address'}, which is not this machine`),
        '',
        0,
      );
    } else if (options.all) {
      callback(null, addresses);
    } else {
      callback(null, first.address, first.family);
    }
  });
};
