// The progress countersign-session writes to stderr while the owner decides. On a terminal, one line redrawn in
// place every second; otherwise (a log file, CI output) plain lines, a new one every 15 s, so logs stay readable.
import type { SessionProgress } from './open-session.js';

const PLAIN_EVERY_MS = 15_000;
const CLEAR_LINE = '\r\x1b[2K';

export class ProgressDisplay {
  private latest: SessionProgress | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastPlainAt = Number.NEGATIVE_INFINITY;
  private bindingShown = false;
  private problemShown: string | null = null;

  constructor(
    private readonly out: { write(text: string): unknown },
    private readonly tty: boolean,
  ) {}

  /** Takes each progress report from openSession. */
  update(progress: SessionProgress): void {
    this.latest = progress;
    if (progress.bindingCode && !this.bindingShown) {
      this.bindingShown = true;
      this.line(`the key asks for number matching: pick ${progress.bindingCode} on your desktop`);
    }
    const problem = progress.connectionProblem?.message ?? null;
    if (problem && problem !== this.problemShown) this.line(`${problem} — retrying…`);
    else if (!problem && this.problemShown) this.line('reached the server again');
    this.problemShown = problem;
    this.tick();
    if (!this.timer) {
      this.timer = setInterval(() => this.tick(), 1000);
      this.timer.unref();
    }
  }

  /** Stops the countdown and, on a terminal, removes the progress line so the outcome starts on a clean line. */
  finish(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    if (this.tty && this.latest) this.out.write(CLEAR_LINE);
    this.latest = null;
  }

  /** A line that stays (the binding code, a connection problem). */
  private line(text: string): void {
    this.out.write(this.tty ? `${CLEAR_LINE}${text}\n` : `${text}\n`);
  }

  private tick(): void {
    if (!this.latest) return;
    const secondsLeft = Math.max(0, Math.ceil((this.latest.deadline.getTime() - Date.now()) / 1000));
    const text = `waiting for approval on the key owner's desktop… ${secondsLeft} s left`;
    if (this.tty) {
      this.out.write(`${CLEAR_LINE}${text}`);
    } else if (Date.now() - this.lastPlainAt >= PLAIN_EVERY_MS) {
      this.lastPlainAt = Date.now();
      this.out.write(`${text}\n`);
    }
  }
}
