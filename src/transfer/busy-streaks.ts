/**
 * Partial sources that answer nothing but `chunk-busy`. An honest one is busy with a chunk only
 * while it sends it to CHUNK_FAN_OUT peers, seconds on a LAN, and is asked for others meanwhile.
 * One that claims chunks and never sends them would keep the complete sources off them (they
 * leave a partial peer's chunks to it) and, once they are gone, hold the download for ever.
 */
import { CHUNK_BUSY_REST_MS } from './chunk-scheduler.js';

/** A streak this long, of at least this many answers, drops the source. */
export const BUSY_GIVE_UP_MS = 15_000;
export const BUSY_GIVE_UP_ANSWERS = 8;
/** A pause this long between its answers (it was not needed meanwhile) ends a streak. */
export const BUSY_STREAK_GAP_MS = 4 * CHUNK_BUSY_REST_MS;

interface Streak {
  since: number;
  last: number;
  answers: number;
}

export class BusyStreaks<S> {
  readonly #streaks = new Map<S, Streak>();
  readonly #now: () => number;

  constructor(now: () => number = Date.now) {
    this.#now = now;
  }

  /** `source` answered `chunk-busy`: the reason to drop it once its streak is too long. */
  busy(source: S): string | undefined {
    const now = this.#now();
    let streak = this.#streaks.get(source);
    if (streak === undefined || now - streak.last > BUSY_STREAK_GAP_MS) {
      streak = { since: now, last: now, answers: 0 };
      this.#streaks.set(source, streak);
    }
    streak.answers++;
    streak.last = now;
    const ms = now - streak.since;
    if (ms < BUSY_GIVE_UP_MS || streak.answers < BUSY_GIVE_UP_ANSWERS) return undefined;
    return `answered chunk-busy ${streak.answers} times in ${(ms / 1000).toFixed(0)} s without sending a chunk`;
  }

  /** `source` sent a chunk (or a part of one): its streak ends. */
  sent(source: S): void {
    this.#streaks.delete(source);
  }
}
