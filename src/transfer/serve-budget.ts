/** What a remote may spend of this peer while it serves: counted per identity and in total, refused past the limit. */
import { addCount } from '../count-map.js';
import { LanspreadError } from '../errors.js';
import type { PeerId } from '../ids.js';

/** The things a remote can make the serving side hold. */
export type Spend = 'connection' | 'request' | 'stream-job' | 'manifest-job';

/**
 * Limits of one spend. A stranger is an identity without a control session here: it has only
 * opened transfer connections, so it gets the smallest share and strangers together a small pool.
 */
export interface SpendLimit {
  /** All identities together. */
  readonly total: number;
  /** One identity with a control session. */
  readonly perPeer: number;
  /** All strangers together. */
  readonly strangers: number;
  /** One stranger. */
  readonly perStranger: number;
}

export interface ServeLimits {
  readonly spends: Readonly<Record<Spend, SpendLimit>>;
  /** A request whose receiver takes no bytes off the socket for this long is cut. */
  readonly sendStallMs: number;
  /**
   * A peer with a session waits in line for a slot at most this long, then is refused: well
   * under a receiver's 30 s stall timeout, so it hears "busy" and waits on its side instead of
   * taking our silence for a dead source.
   */
  readonly queueWaitMs: number;
  /**
   * Strangers' refused connections still closing (each keeps its socket up to a second so the
   * refusal can be read). Past this many, a stranger's is dropped at once: a flood costs resets.
   */
  readonly closingRefused: number;
}

/**
 * The numbers of docs/security.md. A request holds at most about 10 MiB (4 MiB queued on the
 * socket, the frames read ahead, TLS's copy), a stream job an unrar worker (~80 MB).
 */
export const DEFAULT_SERVE_LIMITS: ServeLimits = {
  spends: {
    // Idle connections hold no buffers; a download keeps one TLS and two data connections open.
    connection: { total: 256, perPeer: 24, strangers: 32, perStranger: 2 },
    request: { total: 16, perPeer: 8, strangers: 4, perStranger: 1 },
    'stream-job': { total: 2, perPeer: 2, strangers: 1, perStranger: 1 },
    'manifest-job': { total: 4, perPeer: 4, strangers: 1, perStranger: 1 },
  },
  sendStallMs: 30_000,
  queueWaitMs: 15_000,
  closingRefused: 16,
};

/** Gives back what `take`/`acquire` took; idempotent. */
export type Release = () => void;

interface Waiter {
  readonly peer: PeerId;
  readonly grant: () => void;
}

/** The counts of one spend; entries of identities that hold nothing are dropped, so it stays small. */
class SpendCounter {
  total = 0;
  strangers = 0;
  readonly byPeer = new Map<PeerId, number>();
  /** Peers with a session wait here, first come first served; no more per peer than its share. */
  readonly waiting: Waiter[] = [];
  readonly waitingByPeer = new Map<PeerId, number>();

  held(peer: PeerId): number {
    return this.byPeer.get(peer) ?? 0;
  }

  addPeer(peer: PeerId, delta: number): void {
    addCount(this.byPeer, peer, delta);
  }

  addWaiting(peer: PeerId, delta: number): void {
    addCount(this.waitingByPeer, peer, delta);
  }
}

/**
 * Counts what remotes hold. A stranger over its share or a total is answered
 * `serve-over-budget` at once. A peer with a session over its share or a total waits in line
 * (`acquire`) for up to `queueWaitMs`, as many requests as its share, holding no buffer while
 * it waits; past that it is refused too. An honest download is slowed by load, not failed by it.
 */
export class ServeBudget {
  readonly limits: ServeLimits;
  readonly #counters = new Map<Spend, SpendCounter>();
  #closingRefused = 0;

  constructor(limits: ServeLimits = DEFAULT_SERVE_LIMITS) {
    this.limits = limits;
  }

  /** A slot for one refused connection to close gracefully, or null when too many already are. */
  closeRefused(): Release | null {
    if (this.#closingRefused >= this.limits.closingRefused) return null;
    this.#closingRefused++;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.#closingRefused--;
    };
  }

  /** How many of `spend` are held now (all identities). */
  held(spend: Spend): number {
    return this.#counter(spend).total;
  }

  /** How many wait in line for `spend` now (all identities). */
  waiting(spend: Spend): number {
    return this.#counter(spend).waiting.length;
  }

  /** Takes one of `spend` now, or throws `serve-over-budget`. */
  take(spend: Spend, peer: PeerId, stranger: boolean): Release {
    const counter = this.#counter(spend);
    this.#checkShare(spend, counter, peer, stranger);
    if (counter.total >= this.limits.spends[spend].total) throw overBudget(spend, 'in total');
    return this.#hold(spend, counter, peer, stranger);
  }

  /**
   * Like `take`, but a peer with a session waits (in order) until a slot within its share and
   * the total frees, `signal` aborts, or `queueWaitMs` passes (`serve-over-budget`); `onWait`
   * hears when it joins the line.
   */
  async acquire(
    spend: Spend,
    peer: PeerId,
    stranger: boolean,
    signal: AbortSignal,
    onWait: () => void = () => undefined,
  ): Promise<Release> {
    if (stranger) return this.take(spend, peer, stranger);
    const counter = this.#counter(spend);
    // Every waiter that could run was handed its slot at the last release, so none is skipped here.
    if (this.#fits(spend, counter, peer)) return this.#hold(spend, counter, peer, false);
    if ((counter.waitingByPeer.get(peer) ?? 0) >= this.limits.spends[spend].perPeer)
      throw overBudget(spend, 'for one peer, waiting ones included');
    signal.throwIfAborted();
    onWait();
    counter.addWaiting(peer, 1);
    return new Promise<Release>((resolve, reject) => {
      const leave = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
        counter.waiting.splice(counter.waiting.indexOf(waiter), 1);
        counter.addWaiting(peer, -1);
      };
      const waiter: Waiter = {
        peer,
        grant: () => {
          leave();
          resolve(this.#hold(spend, counter, peer, false));
        },
      };
      const onAbort = (): void => {
        leave();
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
      const timer = setTimeout(() => {
        leave();
        reject(overBudget(spend, `(waited ${this.limits.queueWaitMs / 1000} s in line)`));
      }, this.limits.queueWaitMs);
      signal.addEventListener('abort', onAbort, { once: true });
      counter.waiting.push(waiter);
    });
  }

  #counter(spend: Spend): SpendCounter {
    let counter = this.#counters.get(spend);
    if (counter === undefined) {
      counter = new SpendCounter();
      this.#counters.set(spend, counter);
    }
    return counter;
  }

  /** Throws when the identity's own share, or the strangers' pool, is used up. */
  #checkShare(spend: Spend, counter: SpendCounter, peer: PeerId, stranger: boolean): void {
    const limit = this.limits.spends[spend];
    if (counter.held(peer) >= (stranger ? limit.perStranger : limit.perPeer)) {
      throw overBudget(spend, stranger ? 'for an identity without a session' : 'for one peer');
    }
    if (stranger && counter.strangers >= limit.strangers)
      throw overBudget(spend, 'for identities without a session');
  }

  /** Whether a peer with a session may hold one more of `spend` now. */
  #fits(spend: Spend, counter: SpendCounter, peer: PeerId): boolean {
    const limit = this.limits.spends[spend];
    return counter.total < limit.total && counter.held(peer) < limit.perPeer;
  }

  #hold(spend: Spend, counter: SpendCounter, peer: PeerId, stranger: boolean): Release {
    counter.total++;
    if (stranger) counter.strangers++;
    counter.addPeer(peer, 1);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      counter.total--;
      if (stranger) counter.strangers--;
      counter.addPeer(peer, -1);
      // The slot goes straight to the first waiter it fits, so no later asker overtakes it.
      counter.waiting.find((w) => this.#fits(spend, counter, w.peer))?.grant();
    };
  }
}

function overBudget(spend: Spend, whose: string): LanspreadError {
  return new LanspreadError(
    'serve-over-budget',
    `too many ${spend === 'connection' ? 'transfer connections' : `${spend}s`} ${whose}; try again later`,
  );
}
