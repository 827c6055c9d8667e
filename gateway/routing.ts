// Which upstream a request path belongs to, and the path it is forwarded to there.
import type { Upstream } from './settings.js';

/** "/a" covers "/a" and "/a/…", not "/ab"; "/" covers everything. */
export function underPrefix(path: string, prefix: string): boolean {
  return prefix === '/' || path === prefix || path.startsWith(`${prefix}/`);
}

export interface Route {
  upstream: Upstream;
  /** The path below the prefix, starting with "/": what the session limits' path_prefixes are matched against. */
  rest: string;
}

/** upstreams must be sorted longest prefix first. */
export function routeFor(upstreams: readonly Upstream[], path: string): Route | null {
  for (const upstream of upstreams) {
    if (!underPrefix(path, upstream.prefix)) continue;
    const rest = upstream.prefix === '/' ? path : path.slice(upstream.prefix.length) || '/';
    return { upstream, rest };
  }
  return null;
}

/** The URL on the upstream: its own base path, then the rest of the request's path, then the query. */
export function upstreamUrl(upstream: Upstream, rest: string): string {
  const base = upstream.url.pathname.replace(/\/+$/, '');
  return `${upstream.url.origin}${base}${rest}`;
}

/** The request's query with the injected parameter's name removed (a script cannot smuggle a second value in). */
export function queryWithout(rawQuery: string, name: string): string {
  if (rawQuery === '') return '';
  return rawQuery
    .split('&')
    .filter((pair) => {
      const key = pair.split('=', 1)[0]!;
      let decoded = key;
      try {
        decoded = decodeURIComponent(key.replace(/\+/g, ' '));
      } catch {
        // Not decodable: compare as it is.
      }
      return decoded !== name && pair !== '';
    })
    .join('&');
}
