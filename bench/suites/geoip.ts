// What the approval context costs: reading the GeoIP city and ASN databases at start (time, memory), one lookup of a
// requester's address (µs), and how much disk the two npm packages take. In this process: the figure is the
// library's own cost, with no HTTP around it. Lookups are timed in batches (one timer read per batch, so the
// timer's own cost does not swamp a microsecond), over random public IPv4 and IPv6 addresses.
import { randomInt } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { addressKind } from '../../server/geoip/address-kind.js';
import { AsnTable } from '../../server/geoip/asn-table.js';
import { CityDb } from '../../server/geoip/city-db.js';
import { AddressObserver, installedGeoIpPaths } from '../../server/geoip/observer.js';
import type { BenchPlan } from '../plan.js';
import { round } from '../support/proc-stats.js';

async function diskBytes(dir: string): Promise<number> {
  let total = 0;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? await diskBytes(path) : (await stat(path)).size;
  }
  return total;
}

function randomPublic(v6: boolean): string {
  for (;;) {
    const ip = v6
      ? `2${randomInt(0x1000).toString(16).padStart(3, '0')}:${randomInt(0x10000).toString(16)}::${randomInt(0x10000).toString(16)}`
      : [randomInt(1, 224), randomInt(256), randomInt(256), randomInt(1, 255)].join('.');
    if (addressKind(ip) === 'public') return ip;
  }
}

/** µs per call of fn over the addresses: p50/p99 over batches of `batch` calls each, and the mean. */
function perCall(addresses: string[], fn: (ip: string) => unknown, batch = 100) {
  const perBatch: number[] = [];
  for (let start = 0; start + batch <= addresses.length; start += batch) {
    const t0 = process.hrtime.bigint();
    for (let i = start; i < start + batch; i += 1) fn(addresses[i]!);
    perBatch.push(Number(process.hrtime.bigint() - t0) / 1000 / batch);
  }
  perBatch.sort((a, b) => a - b);
  const at = (p: number) => perBatch[Math.min(perBatch.length - 1, Math.floor((p / 100) * perBatch.length))]!;
  return {
    calls: perBatch.length * batch,
    p50_us: round(at(50), 3),
    p99_us: round(at(99), 3),
    mean_us: round(perBatch.reduce((s, v) => s + v, 0) / perBatch.length, 3),
  };
}

const mib = (bytes: number) => round(bytes / 1024 / 1024, 1);

export async function geoipBenchmarks(plan: BenchPlan, log: (line: string) => void) {
  const paths = installedGeoIpPaths();
  log('geoip: reading the databases');
  const before = process.memoryUsage();
  let t0 = performance.now();
  const city = CityDb.open(paths.city!);
  const cityLoadMs = performance.now() - t0;
  t0 = performance.now();
  const asn = AsnTable.open(paths.asn!);
  const asnLoadMs = performance.now() - t0;
  const after = process.memoryUsage();
  const observer = AddressObserver.open(paths);

  const count = plan.quick ? 20_000 : 200_000;
  const v4 = Array.from({ length: count }, () => randomPublic(false));
  const v6 = Array.from({ length: count }, () => randomPublic(true));
  // Warm up the JIT on the same code paths first.
  for (const ip of v4.slice(0, 5000)) observer.observe(ip);
  for (const ip of v6.slice(0, 5000)) observer.observe(ip);
  log(`geoip: timing ${count} lookups per address family`);
  return {
    load: {
      city_ms: round(cityLoadMs, 1),
      asn_ms: round(asnLoadMs, 1),
      asn_ranges: asn.ranges,
      rss_added_mib: mib(after.rss - before.rss),
      buffers_added_mib: mib(after.arrayBuffers - before.arrayBuffers),
      heap_added_mib: mib(after.heapUsed - before.heapUsed),
      city_built: city.built.toISOString().slice(0, 10),
    },
    lookup: {
      observe_ipv4: perCall(v4, (ip) => observer.observe(ip)),
      observe_ipv6: perCall(v6, (ip) => observer.observe(ip)),
      city_ipv4: perCall(v4, (ip) => city.lookup(ip)),
      asn_ipv4: perCall(v4, (ip) => asn.lookup(ip)),
      asn_ipv6: perCall(v6, (ip) => asn.lookup(ip)),
    },
    disk: {
      city_package_mib: mib(await diskBytes(paths.city!)),
      asn_package_mib: mib(await diskBytes(paths.asn!)),
    },
  };
}
