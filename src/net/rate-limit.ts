/** A token bucket per key with a bounded number of keys (pure; the caller passes the time). */

export interface RateLimitOptions {
  /** Tokens a fresh key starts with (the burst). */
  burst: number;
  /** Milliseconds to earn one token back. */
  refillMs: number;
  /** Keys kept at most; the least recently used go first, so a flood of keys stays bounded. */
  maxKeys?: number;
}

interface Bucket {
  tokens: number;
  at: number;
}

export class KeyedRateLimit {
  readonly #opts: Required<RateLimitOptions>;
  readonly #buckets = new Map<string, Bucket>();

  constructor(opts: RateLimitOptions) {
    this.#opts = { maxKeys: 1024, ...opts };
  }

  /** Takes a token for `key`; false when it has none left. */
  take(key: string, now: number): boolean {
    const { burst, refillMs, maxKeys } = this.#opts;
    const old = this.#buckets.get(key);
    const tokens =
      old === undefined
        ? burst
        : Math.min(burst, old.tokens + Math.max(0, now - old.at) / refillMs);
    // Re-insert so the Map's order is least recently used first.
    this.#buckets.delete(key);
    const allowed = tokens >= 1;
    this.#buckets.set(key, { tokens: allowed ? tokens - 1 : tokens, at: now });
    while (this.#buckets.size > maxKeys) {
      const oldest = this.#buckets.keys().next().value;
      if (oldest === undefined) break;
      this.#buckets.delete(oldest);
    }
    return allowed;
  }
}
