// Runs in the benchmark's Chromium page before the renderer, bundled for the browser by suites/renderer.ts:
// - window.countersign built by the preload's own createBridge, over an ipcRenderer stand-in whose invoke goes to
//   a function the Node process exposed (__benchInvoke), and whose events arrive through __benchEvent — as
//   webContents.send delivers them in the app;
// - __benchShow: delivers one approvals:changed event and reports when the card is in the DOM and when the frame
//   that paints it has run.
// The project's type-check has no DOM library (it is Node code), so the few browser APIs used are declared here.
import { createBridge } from '../../preload/bridge.js';
import { ipcStandIn } from '../../test/e2e/support/ipc-stand-in.js';

interface Element {
  textContent: string | null;
  getBoundingClientRect(): { height: number };
  closest(selector: string): Element | null;
}

export interface BenchPage {
  __benchInvoke(channel: string, args: unknown[]): Promise<unknown>;
  __benchEvent(channel: string, payload: unknown): void;
  __benchShow(pending: readonly unknown[], marker: string): Promise<{ commit: number; painted: number }>;
  countersign: ReturnType<typeof createBridge>;
  document: { getElementById(id: string): Element | null; body: Element };
  MutationObserver: new (
    callback: () => void,
  ) => { observe(target: unknown, options: Record<string, boolean>): void; disconnect(): void };
  requestAnimationFrame(callback: () => void): number;
}

const page = globalThis as unknown as BenchPage;
// The page says app:ready once rendered; the benchmark sends its events directly, so the signal has no use here.
const { ipc, emit } = ipcStandIn(
  (channel, args) => page.__benchInvoke(channel, args),
  () => {},
);
page.__benchEvent = emit;

/** Far above any real render (tens of ms): only a card that never comes reaches it. */
const SHOW_TIMEOUT_MS = 10_000;

page.__benchShow = async (pending, marker) => {
  const begin = performance.now();
  // The card is up when its title is laid out and the request's description (the marker) is on the page: the
  // title names the key, the description is shown apart as the program's claim.
  const shown = () => {
    const title = page.document.getElementById('approval-title');
    const card = title?.closest('article, section, main') ?? null;
    return (
      !!title &&
      title.getBoundingClientRect().height > 0 &&
      ((card ?? page.document.body).textContent ?? '').includes(marker)
    );
  };
  // A card that never shows would leave page.evaluate waiting for ever (it has no time-out of its own): give up
  // after a while and say why, so that a broken renderer fails the run instead of hanging it.
  const committed = new Promise<number>((done, fail) => {
    const giveUp = setTimeout(() => {
      observer.disconnect();
      fail(new Error(`the approval card did not show within ${SHOW_TIMEOUT_MS} ms (marker ${JSON.stringify(marker)})`));
    }, SHOW_TIMEOUT_MS);
    const observer = new page.MutationObserver(() => {
      if (!shown()) return;
      observer.disconnect();
      clearTimeout(giveUp);
      done(performance.now());
    });
    observer.observe(page.document.body, { subtree: true, childList: true, characterData: true });
  });
  page.__benchEvent('approvals:changed', pending);
  const commitAt = await committed;
  // The next animation frame paints what was committed; a task queued from it runs once that frame is done.
  const paintAt = await new Promise<number>((done) =>
    page.requestAnimationFrame(() => setTimeout(() => done(performance.now()), 0)),
  );
  return { commit: commitAt - begin, painted: paintAt - begin };
};

page.countersign = Object.freeze(createBridge(ipc));
