/**
 * A source that answers `serve-over-budget` is busy, not broken: the receiver keeps it, waits a
 * while and asks again, so a crowded source makes downloads slow, not failed.
 */
import { setTimeout as delay } from 'node:timers/promises';
import { LanspreadError } from '../errors.js';
import type { LogFields, Logger } from '../logger.js';

/** The first wait lies in [500 ms, 1 s); each next range doubles, up to [2.5 s, 5 s). */
export const BUSY_FIRST_WAIT_MS = 500;
export const BUSY_MAX_WAIT_MS = 5_000;

/** The source refused because we (or everyone) hold as much of it as it allows just now. */
export function isOverBudget(err: unknown): err is LanspreadError {
  return err instanceof LanspreadError && err.code === 'serve-over-budget';
}

/**
 * The waits between tries at one busy source: doubling up to a cap, each drawn at random from the
 * upper half of its range, so receivers turned away together do not all come back together,
 * and no receiver asks more than twice a second.
 */
export class BusyBackoff {
  #ceiling = 2 * BUSY_FIRST_WAIT_MS;

  constructor(private readonly random: () => number = Math.random) {}

  /** The next wait in milliseconds. */
  next(): number {
    const ceiling = this.#ceiling;
    this.#ceiling = Math.min(BUSY_MAX_WAIT_MS, 2 * ceiling);
    return ceiling / 2 + (this.random() * ceiling) / 2;
  }

  /** The source served us: the next refusal starts over at the shortest wait. */
  reset(): void {
    this.#ceiling = 2 * BUSY_FIRST_WAIT_MS;
  }
}

/** Waits `ms`; rejects with the signal's reason as soon as it aborts. */
export async function waitUnlessAborted(ms: number, signal: AbortSignal): Promise<void> {
  await delay(ms, undefined, { signal }).catch(() => {
    signal.throwIfAborted();
  });
}

/** Logs a wait at a busy source: at most one line per wait, so at most two a second per asker. */
export function noteBusy(
  log: Logger,
  fields: LogFields,
  what: string,
  waitMs: number,
  err: LanspreadError,
): void {
  log.info(
    { ...fields, wait_ms: Math.round(waitMs), err: err.message },
    `source is busy; asking it again for ${what} after a wait`,
  );
}

/**
 * Runs `attempt` until it does not fail with `serve-over-budget`, waiting per `backoff` between
 * tries (each wait logged with `fields`); any other failure, or an abort, ends it.
 */
export async function retryWhileBusy<T>(
  attempt: () => Promise<T>,
  opts: { signal: AbortSignal; log: Logger; fields: LogFields; what: string },
  backoff = new BusyBackoff(),
): Promise<T> {
  for (;;) {
    try {
      return await attempt();
    } catch (err) {
      if (!isOverBudget(err) || opts.signal.aborted) throw err;
      const waitMs = backoff.next();
      noteBusy(opts.log, opts.fields, opts.what, waitMs, err);
      await waitUnlessAborted(waitMs, opts.signal);
    }
  }
}
