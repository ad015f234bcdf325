/** Send buffers of one data frame each, reused across a connection's frames. */
import { FRAME_HEADER_BYTES } from '../protocol/index.js';

/**
 * Taken per frame and given back once the socket has written it: a source sending 1 MiB frames
 * with a fresh buffer each spent about a fifth of its CPU in the garbage collector.
 */
export class FrameBuffers {
  readonly #free: Buffer[] = [];
  /** The payload room of each buffer. */
  readonly payloadBytes: number;
  readonly #keep: number;

  /** `keep`: how many free buffers are held at most; more may be in flight. */
  constructor(payloadBytes: number, keep: number) {
    this.payloadBytes = payloadBytes;
    this.#keep = keep;
  }

  /** A buffer of header room plus `payloadBytes`. */
  take(): Buffer {
    return this.#free.pop() ?? Buffer.allocUnsafe(FRAME_HEADER_BYTES + this.payloadBytes);
  }

  give(frame: Buffer): void {
    if (this.#free.length < this.#keep) this.#free.push(frame);
  }
}
