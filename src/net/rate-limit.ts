/** Token buckets: one, and one per key with bounded memory (pure; the caller passes the time). */

export interface RateLimitOptions {
  /** Tokens a fresh bucket starts with (the burst). */
  burst: number;
  /** Milliseconds to earn one token back. */
  refillMs: number;
}

export class TokenBucket {
  readonly #burst: number;
  readonly #refillMs: number;
  #tokens: number;
  #at: number;

  constructor(opts: RateLimitOptions, now: number) {
    this.#burst = opts.burst;
    this.#refillMs = opts.refillMs;
    this.#tokens = opts.burst;
    this.#at = now;
  }

  /** Takes a token; false when there is none. */
  take(now: number): boolean {
    this.#refill(now);
    if (this.#tokens < 1) return false;
    this.#tokens--;
    return true;
  }

  /**
   * Spends `cost` tokens even past none, running up a debt; returns the milliseconds until the
   * debt is paid (0 when there is none). For a cost known only after the fact.
   */
  spend(now: number, cost: number): number {
    this.#refill(now);
    this.#tokens -= cost;
    return this.#tokens >= 0 ? 0 : Math.ceil(-this.#tokens * this.#refillMs);
  }

  /** Milliseconds until a token is there (0 when one is). */
  msUntilToken(now: number): number {
    this.#refill(now);
    return this.#tokens >= 1 ? 0 : Math.ceil((1 - this.#tokens) * this.#refillMs);
  }

  /** Whether it is as full as a fresh bucket, so forgetting it changes nothing. */
  full(now: number): boolean {
    this.#refill(now);
    return this.#tokens >= this.#burst;
  }

  #refill(now: number): void {
    const earned = Math.max(0, now - this.#at) / this.#refillMs;
    this.#tokens = Math.min(this.#burst, this.#tokens + earned);
    this.#at = Math.max(this.#at, now);
  }
}

export interface KeyedRateLimitOptions extends RateLimitOptions {
  /** Buckets kept at most (1024 by default); keys beyond them share one bucket. */
  maxKeys?: number;
}

/**
 * A token bucket per key. Only full buckets are forgotten, so no key regains its burst by being
 * pushed out: while `maxKeys` buckets are all in use, every further key shares one overflow
 * bucket. A spray of fresh keys (spoofed source addresses) thus gets one bucket's worth, not a
 * burst each.
 */
export class KeyedRateLimit {
  readonly #opts: Required<KeyedRateLimitOptions>;
  /** Least recently used first. */
  readonly #buckets = new Map<string, TokenBucket>();
  #overflow: TokenBucket | undefined;

  constructor(opts: KeyedRateLimitOptions) {
    this.#opts = { maxKeys: 1024, ...opts };
  }

  /** Takes a token for `key`; false when it has none left. */
  take(key: string, now: number): boolean {
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      this.#forgetFull(now);
      if (this.#buckets.size >= this.#opts.maxKeys) {
        this.#overflow ??= new TokenBucket(this.#opts, now);
        return this.#overflow.take(now);
      }
      bucket = new TokenBucket(this.#opts, now);
    }
    // Re-insert so the Map's order stays least recently used first.
    this.#buckets.delete(key);
    this.#buckets.set(key, bucket);
    return bucket.take(now);
  }

  /** Drops full buckets from the least recently used end, stopping at the first one in use. */
  #forgetFull(now: number): void {
    for (const [key, bucket] of this.#buckets) {
      if (!bucket.full(now)) return;
      this.#buckets.delete(key);
    }
  }
}
