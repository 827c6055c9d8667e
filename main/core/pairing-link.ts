// The one parser of countersign://pair links, for the shell (which asks the user before pairing) and the core
// (which pairs): both see the same server, so the dialog can never name a different server than the one paired
// with. Any web page can open such a link, so it is read strictly: the pair action only, one server and one code,
// no control characters anywhere (a newline in `server` could otherwise write a second, made-up line into the
// confirmation dialog), and the server passes the same URL rules as a typed one.
import { PairingCode } from '../../protocol/index.js';
import type { Result } from './api.js';
import { fail, ok } from './result.js';
import { checkServerUrl } from './server-url.js';

export const PAIRING_SCHEME = 'countersign';
export const PAIRING_LINK_FORM = 'countersign://pair?server=…&code=…';

export interface PairingTarget {
  /** The server's base URL as the core will use it (origin plus any path prefix). */
  server: string;
  /** What to show the user: scheme, host and port, nothing the link's author could dress up. */
  origin: string;
  code: string;
}

// C0 and C1 controls, DEL, and the Unicode line/paragraph separators and bidirectional overrides that can make text
// read differently from what it is.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finding control characters is the point
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069]/;

/** The server and code of a pairing link, or why it is not one (a message for people). */
export function parsePairingLink(link: string): Result<PairingTarget> {
  if (CONTROL.test(link)) return fail('INVALID_INPUT', 'The pairing link contains control characters; refused.');
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return fail('INVALID_INPUT', `This is not a valid pairing link (${PAIRING_LINK_FORM}).`);
  }
  // Windows and some browsers add a slash after the host: countersign://pair/?server=…
  if (url.protocol !== `${PAIRING_SCHEME}:` || url.host !== 'pair' || (url.pathname !== '' && url.pathname !== '/'))
    return fail('INVALID_INPUT', `Countersign only understands pairing links (${PAIRING_LINK_FORM}).`);
  const servers = url.searchParams.getAll('server');
  const codes = url.searchParams.getAll('code');
  if (servers.length === 0 || codes.length === 0 || !servers[0] || !codes[0])
    return fail('INVALID_INPUT', 'The pairing link lacks the server or the code; ask for a new one.');
  if (servers.length > 1 || codes.length > 1)
    return fail('INVALID_INPUT', 'The pairing link names more than one server or code; refused.');
  // Decoded values are checked again: %0A in the link is a newline in the value.
  if (CONTROL.test(servers[0]) || CONTROL.test(codes[0]))
    return fail('INVALID_INPUT', 'The pairing link contains control characters; refused.');
  const code = PairingCode.safeParse(codes[0]);
  if (!code.success) return fail('INVALID_INPUT', `The pairing link's code ${code.error.issues[0]?.message}.`);
  const server = checkServerUrl(servers[0]);
  if (!server.ok) return server;
  return ok({ server: server.value, origin: new URL(server.value).origin, code: code.data });
}
