/** What a remote may spend of this peer while it serves: counted per identity and in total, refused past the limit. */
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
}

/**
 * The numbers of docs/security.md. A request holds at most about 10 MiB (4 MiB queued on the
 * socket, the frames read ahead, TLS's copy), a stream job an unrar worker (~80 MB).
 */
export const DEFAULT_SERVE_LIMITS: ServeLimits = {
  spends: {
    connection: { total: 128, perPeer: 16, strangers: 32, perStranger: 2 },
    request: { total: 16, perPeer: 8, strangers: 4, perStranger: 1 },
    'stream-job': { total: 2, perPeer: 2, strangers: 1, perStranger: 1 },
    'manifest-job': { total: 4, perPeer: 4, strangers: 1, perStranger: 1 },
  },
  sendStallMs: 30_000,
};

/** Gives back what `take`/`acquire` took; idempotent. */
export type Release = () => void;

interface Waiter {
  readonly grant: () => void;
}

/** The counts of one spend; entries of identities that hold nothing are dropped, so it stays small. */
class SpendCounter {
  total = 0;
  strangers = 0;
  readonly byPeer = new Map<PeerId, number>();
  /** Peers with a session over the total wait here, first come first served. */
  readonly waiting: Waiter[] = [];

  held(peer: PeerId): number {
    return this.byPeer.get(peer) ?? 0;
  }

  addPeer(peer: PeerId, delta: number): void {
    const left = this.held(peer) + delta;
    if (left === 0) this.byPeer.delete(peer);
    else this.byPeer.set(peer, left);
  }
}

/**
 * Counts what remotes hold. Over a per-identity limit, or over a total as a stranger, the answer
 * is `serve-over-budget` at once; a peer with a session over a total may wait for a free slot
 * (`acquire`), since an honest download should be slowed by load, not failed by it.
 */
export class ServeBudget {
  readonly limits: ServeLimits;
  readonly #counters = new Map<Spend, SpendCounter>();

  constructor(limits: ServeLimits = DEFAULT_SERVE_LIMITS) {
    this.limits = limits;
  }

  /** How many of `spend` are held now (all identities). */
  held(spend: Spend): number {
    return this.#counter(spend).total;
  }

  /** Takes one of `spend` now, or throws `serve-over-budget`. */
  take(spend: Spend, peer: PeerId, stranger: boolean): Release {
    const counter = this.#counter(spend);
    this.#checkShare(spend, counter, peer, stranger);
    if (counter.total >= this.limits.spends[spend].total) throw overBudget(spend, 'in total');
    return this.#hold(counter, peer, stranger);
  }

  /**
   * Like `take`, but a peer with a session over the total waits (in order) until a slot frees
   * or `signal` aborts. The identity's share is counted while it waits, so waiting is bounded too.
   */
  async acquire(
    spend: Spend,
    peer: PeerId,
    stranger: boolean,
    signal: AbortSignal,
  ): Promise<Release> {
    const counter = this.#counter(spend);
    if (
      stranger ||
      (counter.total < this.limits.spends[spend].total && counter.waiting.length === 0)
    )
      return this.take(spend, peer, stranger);
    this.#checkShare(spend, counter, peer, stranger);
    signal.throwIfAborted();
    // Counted against its share while it waits; handed the slot itself, so nobody overtakes it.
    counter.addPeer(peer, 1);
    return new Promise<Release>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          signal.removeEventListener('abort', onAbort);
          counter.addPeer(peer, -1);
          resolve(this.#hold(counter, peer, stranger));
        },
      };
      const onAbort = (): void => {
        counter.waiting.splice(counter.waiting.indexOf(waiter), 1);
        counter.addPeer(peer, -1);
        reject(signal.reason instanceof Error ? signal.reason : new Error('aborted'));
      };
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

  #hold(counter: SpendCounter, peer: PeerId, stranger: boolean): Release {
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
      // The slot goes straight to the first waiter.
      counter.waiting.shift()?.grant();
    };
  }
}

function overBudget(spend: Spend, whose: string): LanspreadError {
  return new LanspreadError(
    'serve-over-budget',
    `too many ${spend === 'connection' ? 'transfer connections' : `${spend}s`} ${whose}; try again later`,
  );
}
