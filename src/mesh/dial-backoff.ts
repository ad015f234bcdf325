/** When to try an address again after a failed dial: doubling delays, capped, per address. */

const FIRST_DELAY_MS = 1_000;
const MAX_DELAY_MS = 30_000;

export class DialBackoff {
  readonly #failures = new Map<string, { count: number; notBeforeMs: number }>();

  /** Whether `key` may be dialled at `nowMs`. */
  allowed(key: string, nowMs: number): boolean {
    const entry = this.#failures.get(key);
    return entry === undefined || nowMs >= entry.notBeforeMs;
  }

  /** Records a failure; returns the delay until the next attempt. */
  failed(key: string, nowMs: number): number {
    const count = (this.#failures.get(key)?.count ?? 0) + 1;
    const delay = Math.min(MAX_DELAY_MS, FIRST_DELAY_MS * 2 ** (count - 1));
    this.#failures.set(key, { count, notBeforeMs: nowMs + delay });
    return delay;
  }

  succeeded(key: string): void {
    this.#failures.delete(key);
  }
}
