/**
 * When state kept in memory is written down: a change asks for a write within a delay (one
 * write for a whole burst of changes), a caller can write at once, and writes run one after
 * another, so an older state never lands on disk after a newer one.
 */
export class BatchFlusher {
  readonly #delayMs: number;
  readonly #onDue: () => void;
  #timer: NodeJS.Timeout | undefined;
  #chain: Promise<unknown> = Promise.resolve();

  /** `onDue` is the owner's flush, called when a batch's delay is over. */
  constructor(delayMs: number, onDue: () => void) {
    this.#delayMs = delayMs;
    this.#onDue = onDue;
  }

  /** A change: the owner's flush runs within the delay, once however many changes come. */
  soon(): void {
    this.#timer ??= setTimeout(() => {
      this.#timer = undefined;
      this.#onDue();
    }, this.#delayMs);
    // A pending batch must not keep the process alive; the owner flushes before it lets go.
    this.#timer.unref();
  }

  /** Runs `write` now, after the writes before it; the pending batch is part of it. */
  run<T>(write: () => Promise<T>): Promise<T> {
    this.cancel();
    const run = this.#chain.then(write);
    this.#chain = run.catch(() => undefined);
    return run;
  }

  /** Drops the pending batch (a write in flight still lands). */
  cancel(): void {
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  /** Resolves when every write started so far has ended, failed ones included. */
  async settled(): Promise<void> {
    await this.#chain;
  }
}
