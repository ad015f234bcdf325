/** Shows one game's progress on a terminal (one redrawn line) or a pipe (a line now and then). */
import type { PeerEvent } from '../peer/index.js';
import { terminalText } from '../terminal-text.js';
import { formatPlainLine, formatTtyLine } from './progress-line.js';
import { ProgressTracker } from './progress-tracker.js';

export interface ProgressOutput {
  write(text: string): unknown;
  readonly isTTY?: boolean;
  readonly columns?: number;
}

/** A pipe or a log gets a progress line at most this often; begin, finish and failure always. */
const PLAIN_EVERY_MS = 3_000;
const TTY_REDRAW_MS = 100;
const TICK_MS = 250;
const CLEAR_LINE = '\r\x1b[K';
/** The terminal echoes `^C` after the line; a full-width line would wrap it onto the next. */
const ECHO_ROOM = 2;

export class ProgressView {
  readonly tracker: ProgressTracker;
  readonly #out: ProgressOutput;
  readonly #now: () => number;
  readonly #timer: NodeJS.Timeout;
  #lastDrawMs = 0;
  #lineOpen = false;
  #closed = false;

  constructor(
    game: string,
    out: ProgressOutput,
    opts: { streamed?: boolean; now?: () => number } = {},
  ) {
    const now = opts.now ?? Date.now;
    this.#out = out;
    this.#now = now;
    this.tracker = new ProgressTracker(game, now(), opts.streamed ?? false);
    this.#lastDrawMs = now();
    // Installs report no bytes: the clock keeps the line (or the log) alive between events.
    this.#timer = setInterval(() => {
      this.#draw(false);
    }, TICK_MS);
    this.#timer.unref();
  }

  onEvent(event: PeerEvent): void {
    if (this.#closed) return;
    const change = this.tracker.apply(event, this.#now());
    if (change === null) return;
    if (change.kind === 'note') {
      this.#endLine();
      this.#writeNote(change.text);
      this.#lastDrawMs = this.#now();
      this.#draw(true);
      return;
    }
    this.#draw(false);
  }

  /** Stops the clock and leaves the cursor at the start of a fresh line. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#timer);
    this.#endLine();
  }

  /** Prints a line of its own after the redrawn one, which stays as it was (e.g. "cancelling…"). */
  note(text: string): void {
    if (this.#lineOpen) this.#out.write('\n');
    this.#lineOpen = false;
    this.#writeNote(text);
    this.#draw(true);
  }

  /** A note may quote a remote peer (why it was dropped): printed without its control characters. */
  #writeNote(text: string): void {
    this.#out.write(`${terminalText(`${this.tracker.game}: ${text}`)}\n`);
  }

  #draw(force: boolean): void {
    if (this.#closed || !isLive(this.tracker.phase)) return;
    const now = this.#now();
    const snap = this.tracker.snapshot(now);
    if (this.#out.isTTY === true) {
      if (!force && now - this.#lastDrawMs < TTY_REDRAW_MS) return;
      const columns = (this.#out.columns ?? 80) - ECHO_ROOM;
      this.#out.write(`${CLEAR_LINE}${formatTtyLine(snap, columns)}`);
      this.#lineOpen = true;
    } else {
      if (now - this.#lastDrawMs < PLAIN_EVERY_MS) return;
      this.#out.write(`${formatPlainLine(snap)}\n`);
    }
    this.#lastDrawMs = now;
  }

  #endLine(): void {
    if (!this.#lineOpen) return;
    this.#out.write(CLEAR_LINE);
    this.#lineOpen = false;
  }
}

/** Phases with something still moving; the others were said once as a note. */
function isLive(phase: ProgressTracker['phase']): boolean {
  return phase === 'starting' || phase === 'downloading' || phase === 'installing';
}
