// Which server URLs the approver accepts: https anywhere, http only to this machine (loopback), never anything
// else. A device key signs over whatever channel it is given, so a plain-text link to another host would let
// anyone on the path read the approval prompts and hold back decisions.
import { isLoopbackHost } from '../../protocol/index.js';
import type { Result } from './api.js';
import { fail, ok } from './result.js';

/** The normalised base URL (origin plus any path prefix, no trailing slash), or why it is refused. */
export function checkServerUrl(input: string): Result<string> {
  let url: URL;
  try {
    url = new URL(input.trim());
  } catch {
    return fail('INVALID_INPUT', `"${input}" is not a server URL (like https://countersign.example.com).`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    return fail('INVALID_INPUT', `The server URL must start with https:// (got ${url.protocol}//).`);
  }
  if (url.username || url.password)
    return fail('INVALID_INPUT', 'The server URL must not contain a user name or password.');
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    return fail(
      'INSECURE_TRANSPORT',
      `Refusing plain http:// to ${url.hostname}: approvals must travel encrypted. Use the server's https:// address ` +
        '(http:// is accepted only for a server on this machine).',
    );
  }
  return ok(url.origin + url.pathname.replace(/\/+$/, ''));
}

/** Joins the base URL (which may carry a path prefix) and an API path. */
export function apiUrl(base: string, path: string): URL {
  const url = new URL(base);
  const [pathname, query] = path.split('?', 2) as [string, string | undefined];
  url.pathname = url.pathname.replace(/\/+$/, '') + pathname;
  url.search = query ? `?${query}` : '';
  return url;
}

/** The push stream URL: ws(s) for http(s). */
export function streamUrl(base: string, deviceId: number): URL {
  const url = apiUrl(base, `/v1/approver-device/${deviceId}/stream`);
  url.protocol = url.protocol === 'https:' ? 'wss:' : 'ws:';
  return url;
}
