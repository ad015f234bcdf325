/**
 * Starts dials of hinted addresses under a global rate and a cap on dials in flight; the rest
 * wait in a bounded queue, first come first served, and beyond it are refused. Whatever the
 * hints (a flood of spoofed beacons), dialling costs at most `maxInFlight` sockets.
 */
import { TokenBucket } from '../net/index.js';

export interface DialThrottleLimits {
  /** Dials started per second, on average. */
  perSecond: number;
  /** Dials that may start at once after a quiet spell. */
  burst: number;
  maxInFlight: number;
  /** Dials waiting for a slot; a further one is refused. */
  maxQueued: number;
}

/** A dial; resolves true when it connected. */
export type DialJob = () => Promise<boolean>;

interface Waiting {
  job: DialJob;
  settle: (ok: boolean) => void;
}

export class DialThrottle {
  readonly #limits: DialThrottleLimits;
  readonly #bucket: TokenBucket;
  /** Key → waiting job, oldest first. */
  readonly #queue = new Map<string, Waiting>();
  readonly #running = new Set<string>();
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(limits: DialThrottleLimits) {
    this.#limits = limits;
    this.#bucket = new TokenBucket(
      { burst: limits.burst, refillMs: 1000 / limits.perSecond },
      Date.now(),
    );
  }

  get inFlight(): number {
    return this.#running.size;
  }

  get queued(): number {
    return this.#queue.size;
  }

  /**
   * Runs `job` when the rate and the cap allow. Resolves false at once, without running it, when
   * `key` is already waiting or running, or the queue is full; false too when closed meanwhile.
   */
  run(key: string, job: DialJob): Promise<boolean> {
    if (this.#closed || this.#running.has(key) || this.#queue.has(key)) {
      return Promise.resolve(false);
    }
    if (this.#queue.size >= this.#limits.maxQueued) return Promise.resolve(false);
    return new Promise<boolean>((settle) => {
      this.#queue.set(key, { job, settle });
      this.#pump();
    });
  }

  /** Refuses what waits and whatever comes later; dials in flight finish on their own. */
  close(): void {
    this.#closed = true;
    clearTimeout(this.#timer);
    this.#timer = undefined;
    for (const { settle } of this.#queue.values()) settle(false);
    this.#queue.clear();
  }

  #pump(): void {
    while (!this.#closed && this.#queue.size > 0 && this.#running.size < this.#limits.maxInFlight) {
      const now = Date.now();
      if (!this.#bucket.take(now)) {
        this.#wake(this.#bucket.msUntilToken(now));
        return;
      }
      const next = this.#queue.entries().next();
      if (next.done === true) return;
      const [key, waiting] = next.value;
      this.#queue.delete(key);
      this.#running.add(key);
      void waiting
        .job()
        .catch(() => false)
        .then((ok) => {
          this.#running.delete(key);
          waiting.settle(ok);
          this.#pump();
        });
    }
  }

  #wake(ms: number): void {
    if (this.#timer !== undefined) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.#pump();
    }, ms);
    this.#timer.unref();
  }
}
