// countersign:// links: a pairing link (countersign://pair?server=…&code=…) from the admin's page or a QR code pairs
// this desktop with a server. Links arrive as an argument (first start, or a second instance on Linux/Windows)
// or through macOS's open-url event. Electron-free: main/app.ts injects the dialogs and the window. The link is
// read by the core's own parser (main/core/pairing-link.ts), so what the dialog names is what the core pairs with.
import type { Account, ApproverCore, CoreError, Result } from '../core/api.js';
import { PAIRING_SCHEME, parsePairingLink } from '../core/pairing-link.js';

export const DEEP_LINK_SCHEME = PAIRING_SCHEME;
export { parsePairingLink };

/** The first countersign:// argument on a command line, if any (Chromium may add its own switches around it). */
export function findDeepLink(argv: readonly string[]): string | null {
  return argv.find((arg) => arg.toLowerCase().startsWith(`${DEEP_LINK_SCHEME}://`)) ?? null;
}

/** The confirmation's text: the server's origin as parsed, never any text the link's author wrote. */
export function pairingQuestion(origin: string): { message: string; detail: string } {
  return {
    message: `Pair this desktop with ${origin}?`,
    detail:
      'Only pair with a server you trust: its approval requests will appear here. ' +
      'If you did not just open a pairing link, choose Cancel.',
  };
}

export interface DeepLinkDeps {
  core: Pick<ApproverCore, 'pair'>;
  /**
   * Asks the user before pairing: any web page can open a countersign:// link, and pairing with a stranger's
   * server would show that stranger's requests as if they were ours. Given the parsed origin only.
   */
  confirmPairing(origin: string): Promise<boolean>;
  showAccounts(account: Account | null): Promise<void> | void;
  showError(error: Pick<CoreError, 'message'>): void;
}

export async function handleDeepLink(link: string, deps: DeepLinkDeps): Promise<Result<Account> | null> {
  const parsed = parsePairingLink(link);
  if (!parsed.ok) {
    deps.showError(parsed.error);
    return parsed;
  }
  if (!(await deps.confirmPairing(parsed.value.origin))) return null;
  const result = await deps.core.pair({ link });
  await deps.showAccounts(result.ok ? result.value : null);
  if (!result.ok) deps.showError(result.error);
  return result;
}
