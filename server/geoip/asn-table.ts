// The network owner (autonomous system) of an address, from the ASN database of the `@ip-location-db/asn` npm
// package: CSV files of inclusive address ranges, "start,end,asn,organisation", sorted by start. That package ships
// CSV only (its MMDB sibling is no longer on the npm registry), so the ranges are read once into typed arrays and
// looked up by binary search: a few MiB for half a million ranges, about a microsecond per lookup. A range that
// overlaps the one before (the published data has a few) cuts that one short: the later line wins where they meet.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ipv4Words, ipv6Words } from './address-words.js';

export interface AsnRecord {
  asn: number;
  /** The organisation, e.g. "Google LLC"; null when the database gives none. */
  name: string | null;
}

/** A file that is not a range table as described above (cut short, edited, another format). */
export class AsnTableError extends Error {
  override readonly name = 'AsnTableError';
}

/** The files of the package, as `--geoip-asn DIR` expects them. */
export const ASN_FILES = { ipv4: 'asn-ipv4.csv', ipv6: 'asn-ipv6.csv' } as const;

/** Names repeat (one organisation, many ranges): each is kept once. */
class NameTable {
  readonly names: string[] = [];
  private readonly index = new Map<string, number>();
  id(name: string): number {
    let id = this.index.get(name);
    if (id === undefined) {
      id = this.names.length;
      this.names.push(name);
      this.index.set(name, id);
    }
    return id;
  }
}

/**
 * Ranges of addresses of one family, each address as `width` 32-bit words (1 for IPv4, 4 for IPv6), kept in flat
 * arrays: starts and ends side by side, compared word by word.
 */
class Ranges {
  private starts: Uint32Array;
  private ends: Uint32Array;
  private asns: Uint32Array;
  private nameIds: Uint32Array;
  private count = 0;

  constructor(
    private readonly width: 1 | 4,
    capacity: number,
  ) {
    this.starts = new Uint32Array(capacity * width);
    this.ends = new Uint32Array(capacity * width);
    this.asns = new Uint32Array(capacity);
    this.nameIds = new Uint32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** -1, 0, 1 as words a compare to row's start (or end). */
  private compare(words: Uint32Array, at: Uint32Array, row: number): number {
    const base = row * this.width;
    for (let i = 0; i < this.width; i += 1) {
      const x = words[i]!;
      const y = at[base + i]!;
      if (x !== y) return x < y ? -1 : 1;
    }
    return 0;
  }

  private set(at: Uint32Array, row: number, words: Uint32Array): void {
    at.set(words, row * this.width);
  }

  /** Appends a range; false when it starts before the previous one (the file is not sorted). */
  add(start: Uint32Array, end: Uint32Array, asn: number, nameId: number): boolean {
    const last = this.count - 1;
    if (last >= 0) {
      const order = this.compare(start, this.starts, last);
      if (order < 0) return false;
      if (order === 0) this.count -= 1;
      else if (this.compare(start, this.ends, last) <= 0) this.set(this.ends, last, minusOne(start));
    }
    this.set(this.starts, this.count, start);
    this.set(this.ends, this.count, end);
    this.asns[this.count] = asn;
    this.nameIds[this.count] = nameId;
    this.count += 1;
    return true;
  }

  find(words: Uint32Array): number {
    let low = 0;
    let high = this.count - 1;
    while (low <= high) {
      const mid = (low + high) >>> 1;
      if (this.compare(words, this.starts, mid) < 0) high = mid - 1;
      else if (this.compare(words, this.ends, mid) > 0) low = mid + 1;
      else return mid;
    }
    return -1;
  }

  record(row: number, names: readonly string[]): AsnRecord {
    return { asn: this.asns[row]!, name: names[this.nameIds[row]!] || null };
  }
}

/** The address just before (the words are not all zero: a later range starts after an earlier one). */
function minusOne(words: Uint32Array): Uint32Array {
  const out = Uint32Array.from(words);
  for (let i = out.length - 1; i >= 0; i -= 1) {
    if (out[i] !== 0) {
      out[i]! -= 1;
      return out;
    }
    out[i] = 0xffffffff;
  }
  return out;
}

function readRanges(file: string, width: 1 | 4, names: NameTable): Ranges {
  const text = readFileSync(file, 'utf8');
  const parse = width === 1 ? ipv4Words : ipv6Words;
  // Each line is at least "a,b,1,": a generous upper bound for the arrays, trimmed by the count.
  let lines = 0;
  for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) lines += 1;
  const ranges = new Ranges(width, lines + 1);
  let lineNo = 0;
  for (let from = 0; from < text.length; ) {
    let to = text.indexOf('\n', from);
    if (to < 0) to = text.length;
    lineNo += 1;
    const line = text.charCodeAt(to - 1) === 13 ? text.slice(from, to - 1) : text.slice(from, to);
    from = to + 1;
    if (line === '') continue;
    const bad = (why: string) => new AsnTableError(`${file}: line ${lineNo} ${why}`);
    const a = line.indexOf(',');
    const b = line.indexOf(',', a + 1);
    const c = line.indexOf(',', b + 1);
    if (a < 0 || b < 0 || c < 0) throw bad('does not have four fields');
    const start = parse(line.slice(0, a));
    const end = parse(line.slice(a + 1, b));
    const asnText = line.slice(b + 1, c);
    const asn = Number(asnText);
    if (!start || !end) throw bad(`is not a range of ${width === 1 ? 'IPv4' : 'IPv6'} addresses`);
    if (asnText === '' || !Number.isInteger(asn) || asn < 0 || asn > 0xffffffff) throw bad('has no AS number');
    let name = line.slice(c + 1);
    if (name.charCodeAt(0) === 34) {
      if (name.length < 2 || name.charCodeAt(name.length - 1) !== 34) throw bad('has an unterminated quote');
      name = name.slice(1, -1).replaceAll('""', '"');
    }
    if (!ranges.add(start, end, asn, names.id(name))) throw bad('is out of order');
  }
  if (ranges.size === 0) throw new AsnTableError(`${file}: the file has no ranges`);
  return ranges;
}

export class AsnTable {
  private constructor(
    private readonly v4: Ranges,
    private readonly v6: Ranges,
    private readonly names: readonly string[],
  ) {}

  /** Reads the package's two files from dir; throws (a file missing or unreadable, AsnTableError) when it cannot. */
  static open(dir: string): AsnTable {
    const names = new NameTable();
    const v4 = readRanges(join(dir, ASN_FILES.ipv4), 1, names);
    const v6 = readRanges(join(dir, ASN_FILES.ipv6), 4, names);
    return new AsnTable(v4, v6, names.names);
  }

  get ranges(): number {
    return this.v4.size + this.v6.size;
  }

  /** The AS of a canonical IPv4 or IPv6 address, or null when no range holds it. */
  lookup(ip: string): AsnRecord | null {
    const v6 = ip.includes(':');
    const words = v6 ? ipv6Words(ip) : ipv4Words(ip);
    if (!words) return null;
    const table = v6 ? this.v6 : this.v4;
    const row = table.find(words);
    return row < 0 ? null : table.record(row, this.names);
  }
}
