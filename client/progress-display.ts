// The progress countersign-session writes to stderr while the owner decides. On a terminal, one line redrawn in
// place every second; otherwise (a log file, CI output) plain lines, a new one every 15 s or when what it says
// changes, so logs stay readable. The code the owner must type is shown only where a person may read it — a
// terminal, or wherever the caller says (--show-code) — never into a log by default.
import type { SessionProgress } from './open-session.js';

const PLAIN_EVERY_MS = 15_000;
const CLEAR_LINE = '\r\x1b[2K';

/** 105 s → "1:45". */
export function minutesAndSeconds(seconds: number): string {
  const whole = Math.max(0, Math.ceil(seconds));
  return `${Math.floor(whole / 60)}:${String(whole % 60).padStart(2, '0')}`;
}

export interface ProgressDisplayOptions {
  /** stderr is a terminal: redraw one line, and show the code. */
  tty: boolean;
  /** Show the code even when not on a terminal (the owner reads this output). */
  showCode?: boolean;
}

export class ProgressDisplay {
  private latest: SessionProgress | null = null;
  private timer: NodeJS.Timeout | null = null;
  private lastPlainAt = Number.NEGATIVE_INFINITY;
  private lastPlainKind: string | null = null;
  private codeShown = false;
  private problemShown: string | null = null;
  private readonly tty: boolean;
  private readonly showCode: boolean;

  constructor(
    private readonly out: { write(text: string): unknown },
    options: ProgressDisplayOptions | boolean,
  ) {
    const given = typeof options === 'boolean' ? { tty: options } : options;
    this.tty = given.tty;
    this.showCode = given.tty || given.showCode === true;
  }

  /** Takes each progress report from openSession. */
  update(progress: SessionProgress): void {
    this.latest = progress;
    if (progress.bindingCode && !this.codeShown) {
      this.codeShown = true;
      this.line(
        this.showCode
          ? `to approve, the key's owner types this code on their desktop: ${progress.bindingCode}`
          : 'the key asks its owner to type a code shown only on a terminal (stderr is not one; --show-code shows it here)',
      );
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

  /** A line that stays (the code, a connection problem). */
  private line(text: string): void {
    this.out.write(this.tty ? `${CLEAR_LINE}${text}\n` : `${text}\n`);
  }

  private tick(): void {
    if (!this.latest) return;
    const secondsLeft = Math.max(0, Math.ceil((this.latest.deadline.getTime() - Date.now()) / 1000));
    // Nobody is being asked while no approver is online: say so rather than wait as if someone were.
    const offline = this.latest.approverOnline === false;
    const text = offline
      ? `no approver is online for this key — it will expire in ${minutesAndSeconds(secondsLeft)}`
      : `waiting for approval on the key owner's desktop… ${secondsLeft} s left`;
    const kind = offline ? 'offline' : 'waiting';
    if (this.tty) {
      this.out.write(`${CLEAR_LINE}${text}`);
    } else if (Date.now() - this.lastPlainAt >= PLAIN_EVERY_MS || kind !== this.lastPlainKind) {
      this.lastPlainAt = Date.now();
      this.lastPlainKind = kind;
      this.out.write(`${text}\n`);
    }
  }
}
