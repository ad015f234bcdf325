/**
 * One chunk in flight here from another peer, as other swarm peers see it: how much of it is
 * on disk (its write frontier), and whether its hash has passed. A relay serves the chunk from
 * the file as the frontier moves, but never its last bytes before the hash passed: a peer that
 * takes a relay can only finish the chunk once this peer has verified it.
 */
import { LanspreadError } from '../errors.js';

/** The chunk's last bytes, held back from relays until its hash has passed here. */
export const RELAY_HOLD_BACK_BYTES = 64 * 1024;

/** Where a flight's bytes come from. */
export interface FlightSource {
  /** The peer sending them: it is never served its own bytes back. */
  readonly peer: string;
  /**
   * True when that peer relays the chunk itself (it has not verified it): this flight is then
   * relayed by one more peer at most, which relays it no further.
   */
  readonly relayed: boolean;
}

export class ChunkFlight {
  readonly length: number;
  readonly source: FlightSource;
  #written = 0;
  #state: 'open' | 'verified' | 'failed' = 'open';
  #wake: (() => void)[] = [];
  readonly #onEnd: (flight: ChunkFlight) => void;
  /** Relay streams that have followed this flight: for the log when it fails. */
  relays = 0;

  /** `onEnd` runs once, when the flight is verified or fails. */
  constructor(
    length: number,
    source: FlightSource,
    onEnd: (flight: ChunkFlight) => void = () => undefined,
  ) {
    this.length = length;
    this.source = source;
    this.#onEnd = onEnd;
  }

  get verified(): boolean {
    return this.#state === 'verified';
  }

  get ended(): boolean {
    return this.#state !== 'open';
  }

  /** Bytes [0, `bytes`) of the chunk are on disk, readable from the file. */
  written(bytes: number): void {
    if (this.#state !== 'open' || bytes <= this.#written) return;
    this.#written = Math.min(bytes, this.length);
    this.#notify();
  }

  /** Its hash passed: relays send the rest. */
  verify(): void {
    this.#end('verified');
  }

  /** Its fetch here failed or stopped: every relay of it ends, as the chunk is not here any more. */
  fail(): void {
    this.#end('failed');
  }

  /** Bytes from the chunk's start a relay may send now. */
  get sendable(): number {
    if (this.#state === 'verified') return this.length;
    return Math.max(0, Math.min(this.#written, this.length - RELAY_HOLD_BACK_BYTES));
  }

  /**
   * Resolves with `sendable` once it is past `sent`; rejects with `chunk-not-here` when the flight
   * failed (or fails meanwhile), with the signal's reason when it is aborted. The wait is bounded
   * by the fetch here: it ends one way or the other.
   */
  async beyond(sent: number, signal: AbortSignal): Promise<number> {
    for (;;) {
      signal.throwIfAborted();
      if (this.#state === 'failed')
        throw new LanspreadError('chunk-not-here', 'its fetch here failed; ask another source');
      const sendable = this.sendable;
      if (sendable > sent) return sendable;
      if (this.#state === 'verified') return sendable;
      await new Promise<void>((resolve) => {
        const done = (): void => {
          signal.removeEventListener('abort', done);
          resolve();
        };
        this.#wake.push(done);
        signal.addEventListener('abort', done, { once: true });
      });
    }
  }

  #end(state: 'verified' | 'failed'): void {
    if (this.#state !== 'open') return;
    this.#state = state;
    this.#notify();
    this.#onEnd(this);
  }

  #notify(): void {
    const wake = this.#wake;
    this.#wake = [];
    for (const resolve of wake) resolve();
  }
}
