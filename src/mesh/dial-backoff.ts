/**
 * When to try an address again after a failed dial: doubling delays, capped, per address. The
 * memory is bounded: an entry is forgotten a while after its last failure, and beyond
 * `maxEntries` the entry failed longest ago goes first. Forgetting only makes an address
 * dialable sooner; the mesh's global dial rate still holds.
 */

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;
/** Longer than the longest delay, so an entry is never forgotten while it still holds back. */
const FORGET_AFTER_MS = 2 * MAX_DELAY_MS;
const MAX_ENTRIES = 1024;

interface Failures {
  count: number;
  failedAtMs: number;
  notBeforeMs: number;
}

export class DialBackoff {
  readonly #maxEntries: number;
  /** Oldest failure first, so the forgotten ones are always at the front. */
  readonly #failures = new Map<string, Failures>();

  constructor(maxEntries = MAX_ENTRIES) {
    this.#maxEntries = maxEntries;
  }

  get size(): number {
    return this.#failures.size;
  }

  /** Whether `key` may be dialled at `nowMs`. */
  allowed(key: string, nowMs: number): boolean {
    this.#forget(nowMs);
    const entry = this.#failures.get(key);
    return entry === undefined || nowMs >= entry.notBeforeMs;
  }

  /** Records a failure; returns the delay until the next attempt. */
  failed(key: string, nowMs: number): number {
    this.#forget(nowMs);
    const count = (this.#failures.get(key)?.count ?? 0) + 1;
    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (count - 1));
    this.#failures.delete(key);
    this.#failures.set(key, { count, failedAtMs: nowMs, notBeforeMs: nowMs + delay });
    while (this.#failures.size > this.#maxEntries) {
      const oldest = this.#failures.keys().next().value;
      if (oldest === undefined) break;
      this.#failures.delete(oldest);
    }
    return delay;
  }

  succeeded(key: string): void {
    this.#failures.delete(key);
  }

  #forget(nowMs: number): void {
    for (const [key, entry] of this.#failures) {
      if (nowMs - entry.failedAtMs < FORGET_AFTER_MS) return;
      this.#failures.delete(key);
    }
  }
}
