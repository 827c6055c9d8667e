// Recognising countersign:// links on a command line and telling pairing links from anything else.
import { describe, expect, it } from 'vitest';
import { findDeepLink, parsePairingLink } from '../../main/shell/deep-link.js';

const LINK = 'countersign://pair?server=https%3A%2F%2Fapprove.example.com&code=K7QF-3MZP-WX9D-HR2T';

describe('deep links', () => {
  it('finds the link among the switches Chromium and the OS put around it', () => {
    expect(findDeepLink(['/opt/Countersign/countersign', '--no-sandbox', LINK])).toBe(LINK);
    expect(findDeepLink(['electron', '.', '--allow-file-access-from-files', 'COUNTERSIGN://pair?x'])).toBe(
      'COUNTERSIGN://pair?x',
    );
    expect(findDeepLink(['/opt/Countersign/countersign', 'https://evil.example/'])).toBeNull();
  });

  it('accepts pairing links, with or without the trailing slash some launchers add', () => {
    expect(parsePairingLink(LINK)).toEqual({ ok: true, server: 'https://approve.example.com' });
    expect(parsePairingLink(LINK.replace('pair?', 'pair/?'))).toEqual({
      ok: true,
      server: 'https://approve.example.com',
    });
  });

  it.each([
    ['not a URL', 'countersign:'],
    ['another action', 'countersign://settings?open=1'],
    ['a path after pair', 'countersign://pair/extra?server=https%3A%2F%2Fa.example&code=X'],
    ['another scheme', 'https://pair?server=https%3A%2F%2Fa.example&code=X'],
    ['no code', 'countersign://pair?server=https%3A%2F%2Fa.example'],
    ['no server', 'countersign://pair?code=K7QF-3MZP-WX9D-HR2T'],
  ])('refuses %s with a message', (_name, link) => {
    const parsed = parsePairingLink(link);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.message.length).toBeGreaterThan(20);
  });
});
