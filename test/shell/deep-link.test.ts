// Recognising countersign:// links on a command line, telling pairing links from anything else, and what the
// confirmation dialog says about one. The parser is the core's own (main/core/pairing-link.ts).
import { describe, expect, it } from 'vitest';
import { parsePairingLink as coreParser } from '../../main/core/pairing-link.js';
import { findDeepLink, handleDeepLink, pairingQuestion, parsePairingLink } from '../../main/shell/deep-link.js';

const CODE = 'K7QF-3MZP-WX9D-HR2T';
const LINK = `countersign://pair?server=https%3A%2F%2Fapprove.example.com&code=${CODE}`;
const link = (server: string) => `countersign://pair?server=${encodeURIComponent(server)}&code=${CODE}`;

describe('deep links', () => {
  it('finds the link among the switches Chromium and the OS put around it', () => {
    expect(findDeepLink(['/opt/Countersign/countersign', '--no-sandbox', LINK])).toBe(LINK);
    expect(findDeepLink(['electron', '.', '--allow-file-access-from-files', 'COUNTERSIGN://pair?x'])).toBe(
      'COUNTERSIGN://pair?x',
    );
    expect(findDeepLink(['/opt/Countersign/countersign', 'https://evil.example/'])).toBeNull();
  });

  it('is the very parser the core pairs with', () => {
    expect(parsePairingLink).toBe(coreParser);
  });

  it('accepts pairing links, with or without the trailing slash some launchers add', () => {
    const expected = {
      ok: true,
      value: { server: 'https://approve.example.com', origin: 'https://approve.example.com', code: CODE },
    };
    expect(parsePairingLink(LINK)).toEqual(expected);
    expect(parsePairingLink(LINK.replace('pair?', 'pair/?'))).toEqual(expected);
  });

  it('keeps a path prefix for the core but shows only the origin', () => {
    expect(parsePairingLink(link('https://approve.example.com:8443/countersign/'))).toEqual({
      ok: true,
      value: {
        server: 'https://approve.example.com:8443/countersign',
        origin: 'https://approve.example.com:8443',
        code: CODE,
      },
    });
  });

  it.each([
    ['not a URL', 'countersign:'],
    ['another action', 'countersign://settings?open=1'],
    ['a path after pair', 'countersign://pair/extra?server=https%3A%2F%2Fa.example&code=X'],
    ['another scheme', 'https://pair?server=https%3A%2F%2Fa.example&code=X'],
    ['no code', 'countersign://pair?server=https%3A%2F%2Fa.example'],
    ['no server', `countersign://pair?code=${CODE}`],
    ['a bad code', 'countersign://pair?server=https%3A%2F%2Fa.example&code=1234'],
    ['plain http to another host', link('http://approve.example.com')],
    ['a server with a user name', link('https://trusted.example@evil.example')],
    ['two servers', `${LINK}&server=https%3A%2F%2Fevil.example`],
    ['a newline in the server', link('https://evil.example/\n\nThis is your company server: https://good.example')],
    ['a carriage return in the server', link('https://evil.example/\rhttps://good.example')],
    ['a raw tab in the link', `countersign://pair?server=https://evil.example/\t&code=${CODE}`],
    ['a right-to-left override', link('https://evil.example/\u202egro.elpmaxe-doog')],
    ['a line separator', link('https://evil.example/\u2028https://good.example')],
    ['a NUL', link('https://evil.example/\u0000')],
  ])('refuses %s with a message', (_name, text) => {
    const parsed = parsePairingLink(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.error.message.length).toBeGreaterThan(20);
  });

  it('names control characters as the reason', () => {
    expect(parsePairingLink(link('https://evil.example/\nhi'))).toEqual({
      ok: false,
      error: { code: 'INVALID_INPUT', message: 'The pairing link contains control characters; refused.' },
    });
  });

  it('asks about the parsed origin only: the link cannot write its own text into the dialog', async () => {
    const asked: string[] = [];
    const crafted = link('https://evil.example/Pair%20with%20https://good.example%20(your%20IT%20department)');
    const result = await handleDeepLink(crafted, {
      core: { pair: async () => ({ ok: false, error: { code: 'NETWORK', message: 'unreachable' } }) },
      confirmPairing: async (origin) => {
        asked.push(pairingQuestion(origin).message);
        return false;
      },
      showAccounts: () => {},
      showError: () => {},
    });
    expect(result).toBeNull();
    expect(asked).toEqual(['Pair this desktop with https://evil.example?']);
  });

  it('refuses a link with control characters before asking anything', async () => {
    const errors: string[] = [];
    let asked = false;
    const result = await handleDeepLink(link('https://evil.example/\n\nhttps://good.example'), {
      core: {
        pair: async () => {
          throw new Error('must not pair');
        },
      },
      confirmPairing: async () => {
        asked = true;
        return true;
      },
      showAccounts: () => {},
      showError: (error) => errors.push(error.message),
    });
    expect(result).toMatchObject({ ok: false, error: { code: 'INVALID_INPUT' } });
    expect(asked).toBe(false);
    expect(errors).toEqual(['The pairing link contains control characters; refused.']);
  });
});
