// countersign:// links: a pairing link (countersign://pair?server=…&code=…) from the admin's page or a QR code pairs
// this desktop with a server. Links arrive as an argument (first start, or a second instance on Linux/Windows)
// or through macOS's open-url event. Electron-free: main/index.ts injects the dialogs and the window.
import type { Account, ApproverCore, CoreError, Result } from '../core/api.js';

export const DEEP_LINK_SCHEME = 'countersign';

/** The first countersign:// argument on a command line, if any (Chromium may add its own switches around it). */
export function findDeepLink(argv: readonly string[]): string | null {
  return argv.find((arg) => arg.toLowerCase().startsWith(`${DEEP_LINK_SCHEME}://`)) ?? null;
}

/** The server a pairing link points at, or an error saying why the link is not one. */
export function parsePairingLink(link: string): { ok: true; server: string } | { ok: false; message: string } {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return { ok: false, message: 'This is not a valid countersign:// link.' };
  }
  // Windows and some browsers add a slash after the host: countersign://pair/?server=…
  if (url.protocol !== `${DEEP_LINK_SCHEME}:` || url.host !== 'pair' || (url.pathname !== '' && url.pathname !== '/'))
    return { ok: false, message: 'Countersign only understands pairing links (countersign://pair?server=…&code=…).' };
  const server = url.searchParams.get('server');
  if (!server || !url.searchParams.get('code'))
    return { ok: false, message: 'The pairing link lacks the server or the code; ask for a new one.' };
  return { ok: true, server };
}

export interface DeepLinkDeps {
  core: Pick<ApproverCore, 'pair'>;
  /**
   * Asks the user before pairing: any web page can open a countersign:// link, and pairing with a stranger's
   * server would show that stranger's requests as if they were ours.
   */
  confirmPairing(server: string): Promise<boolean>;
  showAccounts(account: Account | null): Promise<void> | void;
  showError(error: Pick<CoreError, 'message'>): void;
}

export async function handleDeepLink(link: string, deps: DeepLinkDeps): Promise<Result<Account> | null> {
  const parsed = parsePairingLink(link);
  if (!parsed.ok) {
    deps.showError(parsed);
    return { ok: false, error: { code: 'INVALID_INPUT', message: parsed.message } };
  }
  if (!(await deps.confirmPairing(parsed.server))) return null;
  const result = await deps.core.pair({ link });
  await deps.showAccounts(result.ok ? result.value : null);
  if (!result.ok) deps.showError(result.error);
  return result;
}
