/** The bytes half-received frames of all connections may hold together, and who gives way past them. */

/**
 * Room for 10 hellos of the largest kind at once, while an honest one is far smaller. With 64 MiB
 * a flood of 400 never-finished hellos still took a peer to 300 MB RSS (freed buffers linger
 * until the garbage collector runs); with 32 MiB it peaked at 256 MB.
 */
export const DEFAULT_FRAME_BUDGET_BYTES = 32 * 1024 * 1024;
/**
 * Frames up to this size are not counted: pings, deltas and the hello of a library of a few
 * hundred games. The transport's 512 connections can hold at most 32 MiB of them.
 */
export const UNCOUNTED_FRAME_BYTES = 64 * 1024;

/** One connection's claim on the budget: at most one frame at a time. */
export interface BudgetHolder {
  /** Drops the holder's connection; its room is already taken back when this is called. */
  evict(): void;
}

interface Held {
  readonly bytes: number;
  /** Order of the reservations: among frames of one size, the oldest is the slowest sender. */
  readonly seq: number;
}

/**
 * A frame that would take the total past the budget makes room by evicting frames at least as
 * large as itself, the largest and then the oldest first; when even that cannot make room, it
 * is the one refused. Size first because honest control frames are small (a LAN party's library
 * is a few hundred games at most, its hello tens of KiB) while a flood of memory must use big
 * ones: a newcomer never pushes out a smaller frame, and a hello-sized flood evicts itself before
 * it touches an honest peer's smaller frame. Among frames of one size the oldest gives way: an
 * honest peer sends a frame at LAN speed, well under a second, so the oldest is the slow sender.
 */
export class FrameBudget {
  readonly totalBytes: number;
  readonly #held = new Map<BudgetHolder, Held>();
  #heldBytes = 0;
  #seq = 0;

  constructor(totalBytes = DEFAULT_FRAME_BUDGET_BYTES) {
    this.totalBytes = totalBytes;
  }

  /** Bytes reserved now, all holders together. */
  get heldBytes(): number {
    return this.#heldBytes;
  }

  /** Reserves room for `holder`'s next frame (replacing what it held); false when there is none. */
  reserve(holder: BudgetHolder, bytes: number): boolean {
    this.release(holder);
    if (bytes <= UNCOUNTED_FRAME_BYTES) return true;
    if (this.#heldBytes + bytes > this.totalBytes && !this.#makeRoom(bytes)) return false;
    this.#held.set(holder, { bytes, seq: this.#seq++ });
    this.#heldBytes += bytes;
    return true;
  }

  release(holder: BudgetHolder): void {
    const held = this.#held.get(holder);
    if (held === undefined) return;
    this.#held.delete(holder);
    this.#heldBytes -= held.bytes;
  }

  /** Evicts frames at least `bytes` large until `bytes` fit; evicts none when that is not enough. */
  #makeRoom(bytes: number): boolean {
    const larger = [...this.#held]
      .filter(([, held]) => held.bytes >= bytes)
      .sort(([, a], [, b]) => b.bytes - a.bytes || a.seq - b.seq);
    const free = this.totalBytes - this.#heldBytes;
    if (larger.reduce((sum, [, held]) => sum + held.bytes, free) < bytes) return false;
    for (const [holder] of larger) {
      if (this.#heldBytes + bytes <= this.totalBytes) break;
      this.release(holder);
      holder.evict();
    }
    return true;
  }
}
