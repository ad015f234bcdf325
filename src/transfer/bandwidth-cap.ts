/**
 * A token bucket that holds every transfer of one direction to a rate that can change at any
 * moment, shared fairly by key (the remote peer): equal bytes per key, however many requests it
 * has waiting and whatever their sizes (start-time fair queuing), each key's in the order asked.
 */

/** Time as the cap sees it; tests pass a fake one. */
export interface CapClock {
  /** Milliseconds, monotonic. */
  now(): number;
  /** Calls `fn` after `ms`; the function returned cancels it. */
  after(ms: number, fn: () => void): () => void;
}

const realClock: CapClock = {
  now: () => performance.now(),
  after: (ms, fn) => {
    const timer = setTimeout(fn, ms);
    return () => {
      clearTimeout(timer);
    };
  },
};

/** Tokens saved while nobody waits: this long of the rate, so a pause is not made up in a burst. */
const BURST_MS = 50;
/** A sender asks for this long of the rate at a time, so a low cap still flows smoothly. */
const QUANTUM_MS = 50;
/** …but never less than this per piece. */
const MIN_QUANTUM_BYTES = 16 * 1024;

interface Waiter {
  bytes: number;
  /** Its place in the fair order: the key's bytes asked before it, never behind the clock. */
  start: number;
  key: string;
  resolve: () => void;
  reject: (reason: unknown) => void;
  signal: AbortSignal | undefined;
  onAbort: () => void;
}

const GO = Promise.resolve();

export class BandwidthCap {
  readonly #clock: CapClock;
  /** Bytes per second; null: no limit. */
  #rate: number | null = null;
  /** May fall below zero by no more than a rounding: bytes are granted only when paid for. */
  #tokens = 0;
  #at: number;
  /** Each waiting key's waiters in order (the Map's order breaks ties of `start`). */
  readonly #queues = new Map<string, Waiter[]>();
  /**
   * The fair clock, in bytes: the `start` of the last waiter granted. A key that asks again
   * starts where its last request ended, one that was idle at the clock: no backlog is kept.
   */
  #virtual = 0;
  /** Where each key's last request ends on the fair clock; forgotten once the clock passes it. */
  readonly #ends = new Map<string, number>();
  #cancelTimer: (() => void) | undefined;

  constructor(clock: CapClock = realClock) {
    this.#clock = clock;
    this.#at = clock.now();
  }

  /** Bytes per second, or null when off. */
  get rate(): number | null {
    return this.#rate;
  }

  /** Changes the rate at once, for the waiters too; null lets everything through. */
  setRate(bytesPerSecond: number | null): void {
    if (bytesPerSecond !== null && !(bytesPerSecond > 0)) {
      throw new RangeError(`a rate must be positive, got ${bytesPerSecond}`);
    }
    this.#refill();
    const was = this.#rate;
    this.#rate = bytesPerSecond;
    // Nothing saved from an unlimited spell: the new cap holds from its first byte.
    if (was === null) this.#tokens = 0;
    this.#stopTimer();
    this.#pump();
  }

  /** The largest piece a sender should ask for at once: `max` when off, else 50 ms of the rate. */
  quantum(max: number): number {
    if (this.#rate === null) return max;
    return Math.min(max, Math.max(MIN_QUANTUM_BYTES, Math.floor((this.#rate * QUANTUM_MS) / 1000)));
  }

  /**
   * Resolves when `bytes` may go; rejects with the signal's reason when it aborts first. `key`
   * names whose turn it is: keys take turns, one request each.
   */
  take(bytes: number, key: string, signal?: AbortSignal): Promise<void> {
    if (this.#rate === null) return GO;
    signal?.throwIfAborted();
    this.#refill();
    const start = Math.max(this.#virtual, this.#ends.get(key) ?? 0);
    this.#ends.set(key, start + bytes);
    if (this.#queues.size === 0 && this.#tokens >= bytes) {
      this.#tokens -= bytes;
      this.#advance(start);
      return GO;
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        bytes,
        start,
        key,
        resolve,
        reject,
        signal,
        onAbort: () => {
          this.#drop(waiter);
          const reason: unknown = signal?.reason;
          reject(reason instanceof Error ? reason : new Error('aborted'));
        },
      };
      signal?.addEventListener('abort', waiter.onAbort, { once: true });
      const queue = this.#queues.get(key);
      if (queue === undefined) this.#queues.set(key, [waiter]);
      else queue.push(waiter);
      if (this.#cancelTimer === undefined) this.#pump();
    });
  }

  /** Earns the tokens of the time since the last call; a bucket nobody waits on holds a burst at most. */
  #refill(): void {
    const now = this.#clock.now();
    if (this.#rate !== null) {
      this.#tokens += ((now - this.#at) * this.#rate) / 1000;
      if (this.#queues.size === 0) {
        this.#tokens = Math.min(this.#tokens, (this.#rate * BURST_MS) / 1000);
      }
    }
    this.#at = now;
  }

  /** Grants the waiters that are paid for, least `start` first, then sleeps until the next is. */
  #pump(): void {
    this.#cancelTimer = undefined;
    this.#refill();
    for (;;) {
      const head = this.#first();
      if (head === undefined) return;
      const rate = this.#rate;
      if (rate !== null && this.#tokens < head.bytes) {
        const ms = Math.max(1, Math.ceil(((head.bytes - this.#tokens) * 1000) / rate));
        this.#cancelTimer = this.#clock.after(ms, () => {
          this.#pump();
        });
        return;
      }
      if (rate !== null) this.#tokens -= head.bytes;
      this.#remove(head);
      this.#advance(head.start);
      head.signal?.removeEventListener('abort', head.onAbort);
      head.resolve();
    }
  }

  /** The waiting key's head with the least `start`; a tie goes to the key that waits longest. */
  #first(): Waiter | undefined {
    let first: Waiter | undefined;
    for (const queue of this.#queues.values()) {
      const head = queue[0];
      if (head !== undefined && (first === undefined || head.start < first.start)) first = head;
    }
    return first;
  }

  /** Moves the fair clock to a granted waiter's start; idle keys it has passed are forgotten. */
  #advance(start: number): void {
    this.#virtual = start;
    for (const [key, end] of this.#ends) {
      if (end <= start && !this.#queues.has(key)) this.#ends.delete(key);
    }
  }

  #remove(waiter: Waiter): void {
    const queue = this.#queues.get(waiter.key);
    if (queue === undefined) return;
    const at = queue.indexOf(waiter);
    if (at < 0) return;
    queue.splice(at, 1);
    if (queue.length === 0) this.#queues.delete(waiter.key);
  }

  #drop(waiter: Waiter): void {
    const wasFirst = this.#first() === waiter;
    this.#remove(waiter);
    // Bytes given up are not charged to the key's next request.
    if (this.#ends.get(waiter.key) === waiter.start + waiter.bytes) {
      this.#ends.set(waiter.key, waiter.start);
    }
    if (wasFirst) {
      this.#stopTimer();
      this.#pump();
    }
  }

  #stopTimer(): void {
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
  }
}
