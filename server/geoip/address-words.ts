// Addresses as 32-bit words, most significant first, for range tables: IPv4 as one word, IPv6 as four. Written
// for speed (the ASN table parses half a million of them at start): no regular expressions, no BigInt.

/** "8.8.8.8" → [0x08080808]; null if it is not a dotted IPv4 address. */
export function ipv4Words(text: string): Uint32Array | null {
  let value = 0;
  let part = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return null;
      value = value * 256 + part;
      part = 0;
      digits = 0;
      dots += 1;
    } else if (c >= 48 && c <= 57) {
      part = part * 10 + (c - 48);
      digits += 1;
      if (digits > 3 || part > 255) return null;
    } else return null;
  }
  if (dots !== 3 || digits === 0) return null;
  return Uint32Array.of(value * 256 + part);
}

function hexDigit(c: number): number {
  if (c >= 48 && c <= 57) return c - 48;
  if (c >= 97 && c <= 102) return c - 87;
  if (c >= 65 && c <= 70) return c - 55;
  return -1;
}

/** The 16-bit groups of a run like "2001:db8:1" (no "::"), or null. */
function groups(text: string, out: number[]): boolean {
  if (text === '') return true;
  let value = 0;
  let digits = 0;
  for (let i = 0; i < text.length; i += 1) {
    const c = text.charCodeAt(i);
    if (c === 58) {
      if (digits === 0) return false;
      out.push(value);
      value = 0;
      digits = 0;
      continue;
    }
    const d = hexDigit(c);
    if (d < 0 || digits === 4) return false;
    value = value * 16 + d;
    digits += 1;
  }
  if (digits === 0) return false;
  out.push(value);
  return true;
}

/** "2001:4860::8888" → four words; a trailing dotted IPv4 part is taken; null if it is not an IPv6 address. */
export function ipv6Words(text: string): Uint32Array | null {
  let body = text;
  const tail: number[] = [];
  const lastColon = body.lastIndexOf(':');
  if (lastColon >= 0 && body.indexOf('.', lastColon) > 0) {
    const v4 = ipv4Words(body.slice(lastColon + 1));
    if (!v4) return null;
    tail.push(v4[0]! >>> 16, v4[0]! & 0xffff);
    // Keep a "::" just before the IPv4 part ("::1.2.3.4"), drop a single separating colon ("::ffff:1.2.3.4").
    body = body.slice(0, lastColon + 1);
    if (!body.endsWith('::')) body = body.slice(0, -1);
  }
  const gap = body.indexOf('::');
  const head: number[] = [];
  const rest: number[] = [];
  if (gap < 0) {
    if (!groups(body, head)) return null;
  } else {
    if (body.indexOf('::', gap + 1) >= 0) return null;
    if (!groups(body.slice(0, gap), head) || !groups(body.slice(gap + 2), rest)) return null;
  }
  rest.push(...tail);
  const missing = 8 - head.length - rest.length;
  if (gap < 0 ? missing !== 0 : missing < 1) return null;
  const all = [...head, ...new Array<number>(gap < 0 ? 0 : missing).fill(0), ...rest];
  const words = new Uint32Array(4);
  for (let i = 0; i < 4; i += 1) words[i] = all[2 * i]! * 0x10000 + all[2 * i + 1]!;
  return words;
}
